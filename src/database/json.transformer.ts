import { ValueTransformer } from 'typeorm';

/** JSON held in a TEXT column, as the seed stored it. */
export const jsonText: ValueTransformer = {
  to: (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value)),
  from: (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : (value ?? null)),
};

/** Booleans in an INTEGER column (0/1), as the seed stored `enabled`. */
export const booleanInteger: ValueTransformer = {
  to: (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0),
  from: (value: unknown) => value === 1 || value === true || value === '1',
};

/** REAL columns come back from PostgreSQL as strings: read them as numbers. */
export const realNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: unknown) => (value === null || value === undefined ? null : Number(value)),
};
