import 'reflect-metadata';
import { renderToString } from 'react-dom/server';
import { InstanceForm } from './InstanceForm';
import { SECRET_MASK, type InstanceFormData, type JsonObject } from './form-schema';

/** The bundled templates' config schemas, from their @PluginTemplate metadata (required at run time: this is server code). */
function bundledSchemas(): Record<string, JsonObject> {
  const { PluginTemplate } = require('../../../src/sdk/plugin-template.decorator') as { PluginTemplate: { KEY: string } };
  const schemas: Record<string, JsonObject> = {};
  for (const folder of ['table_loader', 'file_importer', 'api_fetcher', 'exporter', 'transformer']) {
    for (const value of Object.values(require(`../../../plugins/${folder}`) as Record<string, unknown>)) {
      const options = typeof value === 'function' ? (Reflect.getMetadata(PluginTemplate.KEY, value) as { id: string; configSchema: JsonObject } | undefined) : undefined;
      if (options) schemas[options.id] = options.configSchema;
    }
  }
  return schemas;
}

const SCHEMAS = bundledSchemas();

function render(configSchema: JsonObject, config: JsonObject = {}, options: { storedSecrets?: string[]; errors?: { path: string; message: string }[]; showOptional?: boolean } = {}): string {
  const data: InstanceFormData = { name: 'Equipment', enabled: true, config };
  return renderToString(
    <InstanceForm
      configSchema={configSchema}
      creating={!options.storedSecrets}
      data={data}
      onChange={() => undefined}
      onSubmit={() => undefined}
      errors={options.errors ?? []}
      storedSecrets={new Set(options.storedSecrets ?? [])}
      showOptional={options.showOptional ?? true}
    >
      <button type="submit">Save</button>
    </InstanceForm>,
  );
}

const decode = (text: string) => text.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/<!-- -->/g, '');

/** The visible text of every <label for=id>, and the controls no label, wrapping label or aria-label names. */
function labels(html: string): { byId: Map<string, string>; unlabelled: string[] } {
  const byId = new Map<string, string>();
  for (const match of html.matchAll(/<label[^>]*\bfor="([^"]+)"[^>]*>(.*?)<\/label>/gs)) byId.set(match[1], decode(match[2].replace(/<[^>]+>/g, '')).trim());
  const wrapped = new Set([...html.matchAll(/<label[^>]*>(?:(?!<\/label>).)*?<(?:input|select|textarea)[^>]*\bid="([^"]+)"/gs)].map((match) => match[1]));
  const unlabelled: string[] = [];
  for (const match of html.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
    const id = /\bid="([^"]+)"/.exec(match[2])?.[1];
    const hidden = /\btype="hidden"/.test(match[2]);
    if (!hidden && !(id && (byId.has(id) || wrapped.has(id))) && !/\baria-label="/.test(match[2])) unlabelled.push(match[0]);
  }
  return { byId, unlabelled };
}

describe('the generated instance form, rendered (react-dom/server)', () => {
  it('renders table_loader: name, enabled, titled fields with descriptions, enums as options, defaults', () => {
    const html = render(SCHEMAS.table_loader, { file_type: 'auto', mode: 'replace' });
    const { byId } = labels(html);
    expect(byId.get('root_name')).toBe('Name*');
    expect(byId.get('root_config_file_path')).toBe('File*');
    expect(byId.get('root_config_table_name')).toBe('Table name*');
    expect(byId.get('root_config_file_type')).toBe('File type');
    expect(html).toContain('<span>Enabled</span>');
    expect(decode(html)).toContain('The data-store table to fill: letters, digits and underscores');
    const fileTypes = /<select id="root_config_file_type"[^>]*>(.*?)<\/select>/s.exec(html)![1];
    expect([...fileTypes.matchAll(/<option[^>]*>([^<]*)<\/option>/g)].map((match) => match[1])).toEqual(['auto', 'csv', 'tsv', 'xlsx']);
    expect(/<option value="\d+" selected="">replace<\/option>/.test(html)).toBe(true);
    // Required fields first; the rest under "More settings".
    expect(html.indexOf('root_config_table_name')).toBeLessThan(html.indexOf('More settings'));
    expect(html.indexOf('More settings')).toBeLessThan(html.indexOf('root_config_file_type'));
  });

  it("offers the sheet's two kinds (name or index) with a labelled option select", () => {
    const { byId } = labels(render(SCHEMAS.table_loader));
    expect(byId.get('root_config_sheet__oneof_select')).toBe('Sheet: Kind');
    expect(byId.get('root_config_sheet')).toBe('Sheet');
  });

  it('shows a server error under the field its JSON Pointer names', () => {
    const html = render(SCHEMAS.table_loader, { table_name: '2024 bad' }, { errors: [{ path: '/config/table_name', message: 'must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"' }] });
    const field = /<div class="form-group[^"]*">(?:(?!<div class="form-group).)*?id="root_config_table_name"(?:(?!<div class="form-group).)*/s.exec(html)![0];
    expect(decode(field)).toContain('must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"');
    expect(field).toContain('id="root_config_table_name__error"');
  });

  it('renders a new secret as a password input, and a stored one as keep / replace without its value', () => {
    const fresh = render(SCHEMAS.api_fetcher, { url: 'https://api.example.org', auth: { type: 'bearer' } });
    expect(/<input id="root_config_auth_token" type="password"[^>]*autoComplete="new-password"/.test(fresh)).toBe(true);
    expect(labels(fresh).byId.get('root_config_auth_token')).toBe('Token*');

    const stored = render(SCHEMAS.api_fetcher, { url: 'https://api.example.org', auth: { type: 'bearer', token: SECRET_MASK } }, { storedSecrets: ['/config/auth/token'] });
    const choice = /<select id="root_config_auth_token"[^>]*>(.*?)<\/select>/s.exec(stored)![1];
    expect([...choice.matchAll(/<option value="([^"]+)"( selected="")?>/g)].map((match) => `${match[1]}${match[2] ? ' (selected)' : ''}`)).toEqual(['keep (selected)', 'replace']);
    expect(stored).not.toContain(SECRET_MASK);
    expect(stored).toContain('Stored encrypted; it is never shown.');
  });

  it('offers "clear" for any secret that is not required, whatever its type, and never for a required one or an array item', () => {
    const options = (html: string, id: string) => [...new RegExp(`<select id="${id}"[^>]*>(.*?)</select>`, 's').exec(html)![1].matchAll(/<option value="(keep|replace|clear)"/g)].map((match) => match[1]);
    const schema = {
      type: 'object',
      required: ['needed'],
      properties: {
        spare: { type: ['string', 'null'], writeOnly: true, title: 'Spare key' },
        token: { type: 'string', writeOnly: true, title: 'Token' },
        needed: { type: 'string', format: 'password', title: 'Needed' },
        tokens: { type: 'array', items: { type: 'string', format: 'password' } },
      },
    };
    const html = render(schema, { spare: SECRET_MASK, token: SECRET_MASK, needed: SECRET_MASK, tokens: [SECRET_MASK] }, { storedSecrets: ['/config/spare', '/config/token', '/config/needed', '/config/tokens/0'] });
    expect(options(html, 'root_config_spare')).toEqual(['keep', 'replace', 'clear']);
    // {type: "string"} forbids null, but the API reads null on a secret as "remove the stored value".
    expect(options(html, 'root_config_token')).toEqual(['keep', 'replace', 'clear']);
    expect(options(html, 'root_config_needed')).toEqual(['keep', 'replace']);
    expect(options(html, 'root_config_tokens_0')).toEqual(['keep', 'replace']);
    // Required only in a branch (api_fetcher's bearer token): no "clear" either.
    const bearer = render(SCHEMAS.api_fetcher, { url: 'https://api.example.org', auth: { type: 'bearer', token: SECRET_MASK } }, { storedSecrets: ['/config/auth/token'] });
    expect(options(bearer, 'root_config_auth_token')).toEqual(['keep', 'replace']);
  });

  it.each(Object.keys(SCHEMAS))('renders %s with every field supported and every control labelled', (id) => {
    const html = render(SCHEMAS[id]);
    expect(html).not.toMatch(/Unsupported field schema|unsupported-field/);
    expect(labels(html).unlabelled).toEqual([]);
  });
});
