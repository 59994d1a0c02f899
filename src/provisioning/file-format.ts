import { plainToInstance, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsObject, IsString, MaxLength, MinLength, ValidateIf, ValidateNested, validateSync } from 'class-validator';
import { BooleanField, JsonObjectField, NestedField, StringField } from '../common/field.decorators';
import { isPlainObject } from '../common/json';
import { classValidatorFieldErrors } from '../common/request-validation.pipe';
import { ExecutionPolicyInputDto, INSTANCE_NAME } from '../instances/dto/instance-requests.dto';
import { NullableScheduleField, ScheduleInputDto } from '../instances/dto/schedule.dto';
import { MAX_DEPENDS_ON } from '../instances/instance-dependencies.service';
import { ExecutionPolicy } from '../instances/plugin-instance.entity';
import { normaliseSchedule, Schedule } from '../instances/schedule';
import { ProvisioningFileError } from './file-problem';

const present = (_object: object, value: unknown) => value !== undefined;

/** One entry of `instances`: the fields of an API create, with depends_on naming instances instead of giving ids. */
class InstanceEntry {
  @StringField({ description: 'The name the instance is matched by.', ...INSTANCE_NAME })
  name: string;

  @StringField({ description: 'The template.', minLength: 1, maxLength: 100 })
  template_id: string;

  @JsonObjectField({ description: 'The config.', optional: true })
  config?: Record<string, unknown>;

  @BooleanField({ description: 'Default true.', optional: true })
  enabled?: boolean;

  @NestedField(ExecutionPolicyInputDto, { description: 'Timeout and retries.', optional: true })
  execution_policy?: ExecutionPolicyInputDto;

  @NullableScheduleField('When it runs by itself.', null)
  schedule?: ScheduleInputDto | null;

  // class-validator runs the lowest decorator first: the type checks sit at the bottom so they are reported first.
  @ValidateIf(present)
  @ArrayMaxSize(MAX_DEPENDS_ON)
  @MaxLength(INSTANCE_NAME.maxLength, { each: true })
  @MinLength(1, { each: true })
  @IsString({ each: true, message: 'each of $property must be an instance name' })
  @IsArray({ message: '$property must be a list of instance names' })
  depends_on?: string[];
}

class DeletedInstanceEntry {
  @StringField({ description: 'The name of the instance to delete.', ...INSTANCE_NAME })
  name: string;
}

class FileContent {
  @ValidateIf(present)
  @ValidateNested({ each: true })
  @Type(() => InstanceEntry)
  @IsObject({ each: true, message: 'each entry of $property must be a mapping' })
  @IsArray({ message: '$property must be a list' })
  instances?: InstanceEntry[];

  @ValidateIf(present)
  @ValidateNested({ each: true })
  @Type(() => DeletedInstanceEntry)
  @IsObject({ each: true, message: 'each entry of $property must be a mapping' })
  @IsArray({ message: '$property must be a list' })
  delete_instances?: DeletedInstanceEntry[];
}

/** An instance a file declares, checked for shape; depends_on still names instances. */
export interface DeclaredInstance {
  file: string;
  /** Where it sits in the file: `/instances/N`. */
  path: string;
  name: string;
  template_id: string;
  config: Record<string, unknown>;
  enabled: boolean;
  execution_policy: Partial<ExecutionPolicy> | null;
  schedule: Schedule | null;
  /** Names, trimmed, as the file lists them (`/depends_on/N` points at the Nth). */
  depends_on: string[];
}

export interface DeletedInstance {
  file: string;
  /** `/delete_instances/N`. */
  path: string;
  name: string;
}

export interface ProvisioningFile {
  file: string;
  instances: DeclaredInstance[];
  deletes: DeletedInstance[];
}

/**
 * Checks the shape of a file's content (after interpolation) and returns what it declares. The rules are the API's
 * (the same field checks as POST /instances, and schedules normalised as the API stores them); unknown keys are
 * refused, so a misspelt field is an error rather than silently left out. The first problem is thrown.
 */
export function declarationsOf(file: string, content: unknown): ProvisioningFile {
  if (content === null || content === undefined) throw new ProvisioningFileError({ message: 'the file is empty: declare `instances` and/or `delete_instances`' });
  if (!isPlainObject(content)) throw new ProvisioningFileError({ message: 'the file must hold a mapping with `instances` and/or `delete_instances`', path: '' });
  if (content.instances === undefined && content.delete_instances === undefined) {
    throw new ProvisioningFileError({ message: 'declare `instances` and/or `delete_instances`', path: '' });
  }
  const errors = validateSync(plainToInstance(FileContent, content), { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, stopAtFirstError: true });
  const [first] = classValidatorFieldErrors(errors);
  if (first) throw new ProvisioningFileError(first);

  // The values are taken from the content itself: the checked class instances carry undefined for every field left out.
  const entries = (content.instances ?? []) as Record<string, unknown>[];
  const instances = entries.map((entry, index): DeclaredInstance => {
    const path = `/instances/${index}`;
    let schedule: Schedule | null = null;
    if (entry.schedule !== undefined && entry.schedule !== null) {
      const checked = normaliseSchedule(entry.schedule as ScheduleInputDto);
      if (!checked.schedule) throw new ProvisioningFileError({ ...checked.errors[0], path: `${path}${checked.errors[0].path}` });
      schedule = checked.schedule;
    }
    return {
      file,
      path,
      name: (entry.name as string).trim(),
      template_id: entry.template_id as string,
      config: (entry.config as Record<string, unknown> | undefined) ?? {},
      enabled: (entry.enabled as boolean | undefined) ?? true,
      execution_policy: (entry.execution_policy as Partial<ExecutionPolicy> | undefined) ?? null,
      schedule,
      depends_on: ((entry.depends_on as string[] | undefined) ?? []).map((name) => name.trim()),
    };
  });
  const deletes = ((content.delete_instances ?? []) as Record<string, unknown>[]).map((entry, index) => ({ file, path: `/delete_instances/${index}`, name: (entry.name as string).trim() }));
  return { file, instances, deletes };
}
