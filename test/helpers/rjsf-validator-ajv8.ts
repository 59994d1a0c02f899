/**
 * Stands in for @rjsf/validator-ajv8 under jest. The package is not installed: the console validates with its own
 * checker (web/src/form/schema-check.ts), since ajv compiles with `new Function`, which the console's CSP forbids.
 * @rjsf/core's CommonJS build still requires it at load, for getTestRegistry, which nothing here calls; anything that
 * did would get this error.
 */
const unavailable = (): never => {
  throw new Error('@rjsf/validator-ajv8 is not installed: the console uses web/src/form/schema-check.ts');
};

export default new Proxy({}, { get: (_target, property) => (property === 'then' ? undefined : unavailable) });
export const customizeValidator = unavailable;
