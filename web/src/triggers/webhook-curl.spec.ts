import { verify as verifyGithub } from '@octokit/webhooks-methods';
import { execFileSync } from 'node:child_process';
import { Webhook } from 'standardwebhooks';
import { absoluteUrl, shellQuote, signingSteps, TEST_BODY, testDeliveryScript } from './webhook-curl';

const URL_ = 'http://127.0.0.1:3000/api/hooks/whk_abc';

/**
 * Runs a script with `curl` replaced by a shell function that prints its arguments, one a line: what would be sent,
 * computed by the real bash, openssl and base64, without any request.
 */
function sent(script: string): { args: string[]; headers: Record<string, string>; body: string } {
  const output = execFileSync('bash', ['-c', `curl() { printf '%s\\n' "$@"; }\n${script}`], { encoding: 'utf8' });
  const args = output.split('\n').slice(0, -1);
  const headers: Record<string, string> = {};
  args.forEach((arg, index) => {
    if (args[index - 1] === '-H') {
      const colon = arg.indexOf(':');
      headers[arg.slice(0, colon).toLowerCase()] = arg.slice(colon + 1).trim();
    }
  });
  return { args, headers, body: args[args.indexOf('--data-raw') + 1] };
}

describe('the copyable test delivery', () => {
  it('quotes anything for the shell', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(execFileSync('bash', ['-c', `printf '%s' ${shellQuote(`a'b "$HOME" \`x\``)}`], { encoding: 'utf8' })).toBe(`a'b "$HOME" \`x\``);
  });

  it('makes the webhook path absolute on this origin', () => {
    expect(absoluteUrl('/api/hooks/whk_abc', 'http://127.0.0.1:3000')).toBe(URL_);
    expect(absoluteUrl('/api/hooks/whk_abc', 'https://pif.example.org')).toBe('https://pif.example.org/api/hooks/whk_abc');
  });

  it('sends a plain POST for an unsigned webhook', () => {
    const script = testDeliveryScript({ url: URL_, signing: null });
    expect(script).toBe(`curl -i -X POST '${URL_}' \\\n  -H 'content-type: application/json' \\\n  --data-raw '{"test": true}'`);
    const { args, headers, body } = sent(script);
    expect(args.slice(0, 4)).toEqual(['-i', '-X', 'POST', URL_]);
    expect(headers).toEqual({ 'content-type': 'application/json' });
    expect(body).toBe(TEST_BODY);
  });

  it('signs a github delivery as GitHub does: the server’s library accepts the signature', async () => {
    const secret = '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c';
    const { headers, body } = sent(testDeliveryScript({ url: URL_, signing: 'github', secret }));
    expect(body).toBe(TEST_BODY);
    expect(headers['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(headers['x-github-delivery']).toMatch(/^test-\d+$/);
    expect(await verifyGithub(secret, body, headers['x-hub-signature-256'])).toBe(true);
    expect(await verifyGithub('another secret', body, headers['x-hub-signature-256'])).toBe(false);
  });

  it('signs a standard delivery per Standard Webhooks: the server’s library accepts it', () => {
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const { headers, body } = sent(testDeliveryScript({ url: URL_, signing: 'standard', secret }));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(`whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`).verify(body, headers)).toThrow();
  });

  it('says in words what each scheme needs', () => {
    expect(signingSteps('github').join(' ')).toContain('X-Hub-Signature-256: sha256=');
    expect(signingSteps('standard').join(' ')).toContain('webhook-signature: v1,');
    expect(signingSteps(null).join(' ')).toContain('the token in the URL is the credential');
  });
});
