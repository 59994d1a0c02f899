import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsObject, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateIf, ValidateNested } from 'class-validator';

/**
 * Composite field decorators: one decorator applies the validation and documents the same
 * constraints in the OpenAPI spec, so the two cannot drift.
 */
interface FieldOptions {
  description: string;
  example?: unknown;
  /** Optional fields may be omitted; an explicit null is still rejected. */
  optional?: boolean;
}

const present = (_object: object, value: unknown) => value !== undefined;

function base(options: FieldOptions, schema: ApiPropertyOptions) {
  return [
    ...(options.optional ? [ValidateIf(present)] : []),
    ApiProperty({ description: options.description, example: options.example, required: !options.optional, ...schema } as ApiPropertyOptions),
  ];
}

export function StringField(options: FieldOptions & { minLength?: number; maxLength: number; pattern?: RegExp; patternMessage?: string; trim?: boolean }) {
  return applyDecorators(
    ...base(options, { type: String, minLength: options.minLength, maxLength: options.maxLength, pattern: options.pattern?.source }),
    ...(options.trim ? [Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))] : []),
    IsString(),
    // A lone surrogate is not text (the database would store U+FFFD in its place), and PostgreSQL text cannot hold NUL.
    // eslint-disable-next-line no-control-regex
    Matches(/^[^\u0000\p{Cs}]*$/u, { message: '$property must be well-formed Unicode without NUL characters' }),
    ...(options.minLength !== undefined ? [MinLength(options.minLength)] : []),
    MaxLength(options.maxLength),
    ...(options.pattern ? [Matches(options.pattern, { message: options.patternMessage })] : []),
  );
}

export function BooleanField(options: FieldOptions & { default?: boolean }) {
  return applyDecorators(...base(options, { type: Boolean, default: options.default }), IsBoolean());
}

export function JsonObjectField(options: FieldOptions) {
  return applyDecorators(
    ...base(options, { type: 'object', additionalProperties: true }),
    IsObject({ message: '$property must be a JSON object' }),
  );
}

export function EnumField(values: readonly string[], enumName: string, options: FieldOptions) {
  return applyDecorators(...base(options, { enum: values as string[], enumName }), IsIn(values as string[], { message: `$property must be one of: ${values.join(', ')}` }));
}

/** Query-string flavours: values arrive as strings and are converted before validation. */
export function QueryBooleanField(options: FieldOptions) {
  return applyDecorators(
    ...base({ ...options, optional: true }, { type: Boolean }),
    Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)),
    IsBoolean({ message: '$property must be true or false' }),
  );
}

export function QueryIntField(options: FieldOptions & { min: number; max: number; default?: number }) {
  return applyDecorators(
    ...base({ ...options, optional: true }, { type: 'integer', minimum: options.min, maximum: options.max, default: options.default }),
    Transform(({ value }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value)),
    IsInt({ message: '$property must be an integer' }),
    Min(options.min),
    Max(options.max),
  );
}

/** A whole number in a JSON body; `nullable` accepts an explicit null (meaning "inherit"). */
export function IntField(options: FieldOptions & { min: number; max: number; default?: number; nullable?: boolean }) {
  return applyDecorators(
    ...(options.optional ? [ValidateIf((_object: object, value: unknown) => value !== undefined && !(options.nullable && value === null))] : []),
    ApiProperty({
      description: options.description,
      example: options.example,
      required: !options.optional,
      type: 'integer',
      minimum: options.min,
      maximum: options.max,
      default: options.default,
      nullable: options.nullable,
    } as ApiPropertyOptions),
    IsInt({ message: '$property must be a whole number' }),
    Min(options.min),
    Max(options.max),
  );
}

/** A nested JSON object validated by its own DTO class. */
export function NestedField(type: new () => object, options: FieldOptions) {
  return applyDecorators(
    ...base(options, { type }),
    IsObject({ message: '$property must be a JSON object' }),
    ValidateNested(),
    Type(() => type),
  );
}

/** A non-empty array of values from a list (duplicates are accepted and mean nothing more). */
export function EnumArrayField(values: readonly string[], options: FieldOptions) {
  return applyDecorators(
    ...base(options, { type: 'array', items: { type: 'string', enum: values as string[] }, minItems: 1, maxItems: values.length * 2 } as ApiPropertyOptions),
    IsArray({ message: '$property must be an array' }),
    ArrayMinSize(1),
    ArrayMaxSize(values.length * 2),
    IsIn(values as string[], { each: true, message: `each of $property must be one of: ${values.join(', ')}` }),
  );
}

/** A UUID (the id of another resource). */
export function UuidField(options: FieldOptions) {
  return applyDecorators(...base(options, { type: String, format: 'uuid' }), IsUUID('loose', { message: '$property must be a uuid' }));
}

/** An array of UUIDs (ids of other resources), at most `maxItems`; empty is allowed. */
export function UuidArrayField(options: FieldOptions & { maxItems: number }) {
  return applyDecorators(
    ...base(options, { type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: options.maxItems } as ApiPropertyOptions),
    IsArray({ message: '$property must be an array' }),
    ArrayMaxSize(options.maxItems),
    IsUUID('loose', { each: true, message: 'each of $property must be a uuid' }),
  );
}

/** An ISO-8601 date-time with a time zone, e.g. 2026-12-31T23:59:59Z; `nullable` accepts null. */
export function DateTimeField(options: FieldOptions & { nullable?: boolean }) {
  return applyDecorators(
    ...(options.optional ? [ValidateIf((_object: object, value: unknown) => value !== undefined && !(options.nullable && value === null))] : []),
    ApiProperty({ description: options.description, example: options.example, required: !options.optional, type: String, format: 'date-time', nullable: options.nullable } as ApiPropertyOptions),
    IsISO8601({ strict: true, strictSeparator: true }, { message: '$property must be an ISO-8601 date-time such as 2026-12-31T23:59:59Z' }),
    Matches(/(Z|[+-]\d{2}:?\d{2})$/, { message: '$property must carry a time zone (Z or +hh:mm)' }),
  );
}
