/** OAuth apps and consent states on each database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/core/errors.js';
import { OAuthApps, envPrefix } from '../../engine/platform/oauth/apps.js';
import { OAuthStates, stateId } from '../../engine/platform/oauth/states.js';
import { matchesReturnUrl, validateReturnUrlPattern, withOutcome } from '../../engine/platform/oauth/return-urls.js';
import { createVault } from '../../engine/platform/secrets/vault.js';
import { makeKeyRing, parseKeyList } from '../../engine/platform/secrets/keyring.js';
import { rotateSecrets } from '../../engine/platform/secrets/rotate.js';
import { openStore, type Store } from '../../engine/platform/store/store.js';
import { databaseKinds, KEY_A, KEY_B, type TestDatabase } from '../store/databases.js';
import { OAuthAppsRepo } from '../../engine/platform/store/oauth-apps.js';
import { OAuthStatesRepo } from '../../engine/platform/store/oauth-states.js';
import { SealedValuesRepo } from '../../engine/platform/store/sealed-values.js';

const SECRET = 'canary-app-secret-93ad1c';

describe('return URL matching', () => {
  const registered = ['https://app.example.com/oauth/done', 'https://app.example.com/hooks/*', 'http://127.0.0.1:8080/cb'];
  it.each([
    ['https://app.example.com/oauth/done', true],
    ['https://app.example.com/oauth/done?session=1&x=2', true],
    ['https://APP.example.com/oauth/done', true],
    ['https://app.example.com:443/oauth/done', true],
    ['https://app.example.com/hooks/a/b?c=d', true],
    ['http://127.0.0.1:8080/cb', true],
    ['https://app.example.com/oauth/done/', false],
    ['https://app.example.com/oauth/donex', false],
    ['https://app.example.com/oauth/../hooks/x', true],
    ['https://app.example.com/oauth/done#frag', false],
    ['https://app.example.com.evil.test/oauth/done', false],
    ['https://evil.test/https://app.example.com/oauth/done', false],
    ['https://user@app.example.com/oauth/done', false],
    ['http://app.example.com/oauth/done', false],
    ['https://app.example.com:8443/oauth/done', false],
    ['https://app.example.com/hook', false],
    ['//app.example.com/oauth/done', false],
    ['javascript://app.example.com/oauth/done', false],
    ['not a url', false],
  ])('%s → %s', (candidate, ok) => {
    expect(matchesReturnUrl(candidate, registered)).toBe(ok);
  });

  it('validates registrations and appends the outcome without losing the host’s parameters', () => {
    expect(() => validateReturnUrlPattern('ftp://x.example/')).toThrow(ConnectorError);
    expect(() => validateReturnUrlPattern('https://x.example/a?b=*')).toThrow(/must be an absolute http\(s\) URL/);
    expect(validateReturnUrlPattern('https://x.example/a/*')).toBe('https://x.example/a/*');
    expect(withOutcome('https://h.example/d?session=1', { status: 'error', error: 'access_denied', connection_id: undefined })).toBe(
      'https://h.example/d?session=1&status=error&error=access_denied',
    );
  });
});

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`OAuth storage on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let store: Store;
    const vault = createVault(makeKeyRing(parseKeyList(`${KEY_A},${KEY_B}`)));
    let clock = Date.now();

    beforeAll(async () => {
      db = await kind.create('oauth');
      store = await openStore(db.url, { now: () => clock });
    });
    afterAll(async () => {
      await store?.close();
      await db?.cleanup();
    });

    describe('apps', () => {
      it('stores the client secret sealed and resolves it for the flow', async () => {
        const apps = new OAuthApps(new OAuthAppsRepo(store, vault), {});
        const info = await apps.set('demo-crm', { clientId: 'cid-1', clientSecret: SECRET, returnUrls: ['https://h.example/done'], scopes: ['a', 'b'] });
        expect(info).toMatchObject({ connector: 'demo-crm', tenant: '*', clientId: 'cid-1', hasClientSecret: true, returnUrls: ['https://h.example/done'], scopes: ['a', 'b'] });
        expect(JSON.stringify(info)).not.toContain(SECRET);
        const row = await store.knex('oauth_apps').where({ connector: 'demo-crm' }).first();
        expect(row.client_secret).toMatch(/^pbv1\./);
        expect(JSON.stringify(row)).not.toContain(SECRET);
        expect(await apps.resolve('acme', 'demo-crm')).toEqual({ connector: 'demo-crm', owner: '*', hosts: [], clientId: 'cid-1', clientSecret: SECRET, returnUrls: ['https://h.example/done'], scopes: ['a', 'b'] });

        // Fields not given keep their values; null clears.
        await apps.set('demo-crm', { returnUrls: ['https://h.example/a', 'https://h.example/b/*'], scopes: null });
        expect(await apps.resolve('acme', 'demo-crm')).toEqual({ connector: 'demo-crm', owner: '*', hosts: [], clientId: 'cid-1', clientSecret: SECRET, returnUrls: ['https://h.example/a', 'https://h.example/b/*'], scopes: undefined });
        expect(await apps.resolve('acme', 'other')).toBeUndefined();
      });

      it('survives key rotation (the sealed column is registered)', async () => {
        const apps = new OAuthApps(new OAuthAppsRepo(store, vault), {});
        await apps.set('rotating', { clientId: 'cid', clientSecret: SECRET });
        const rotated = createVault(makeKeyRing(parseKeyList(`${KEY_B},${KEY_A}`)));
        const report = await rotateSecrets(new SealedValuesRepo(store), rotated);
        expect(report.failed).toEqual([]);
        expect((await new OAuthApps(new OAuthAppsRepo(store, rotated), {}).resolve('t', 'rotating'))?.clientSecret).toBe(SECRET);
        expect(vault.keyIdOf((await store.knex('oauth_apps').where({ connector: 'rotating' }).first()).client_secret)).toBe('kb');
      });

      it('lets the environment win over the database, field by field', async () => {
        const env = { [`${envPrefix('env-first')}_CLIENT_ID`]: 'from-env', [`${envPrefix('env-first')}_SCOPES`]: 'x y,z' };
        expect(envPrefix('env-first')).toBe('PATCHBAY_OAUTH_ENV_FIRST');
        const apps = new OAuthApps(new OAuthAppsRepo(store, vault), env);
        await apps.set('env-first', { clientId: 'from-db', clientSecret: SECRET, returnUrls: ['https://h.example/done'], scopes: ['db'] });
        const resolved = await apps.resolve('acme', 'env-first');
        expect(resolved).toMatchObject({ clientId: 'from-env', clientSecret: SECRET, scopes: ['x', 'y', 'z'], returnUrls: ['https://h.example/done'] });
        const info = await apps.describe('env-first');
        expect(info?.sources).toEqual({ clientId: 'env', clientSecret: 'db', returnUrls: 'db', scopes: 'env' });

        // An app that exists only in the environment.
        const only = new OAuthApps(new OAuthAppsRepo(store, vault), { PATCHBAY_OAUTH_ENV_ONLY_CLIENT_ID: 'e', PATCHBAY_OAUTH_ENV_ONLY_CLIENT_SECRET: 's3cr3t-env', PATCHBAY_OAUTH_ENV_ONLY_RETURN_URLS: 'https://a.example/x, https://b.example/*' });
        expect(await only.resolve('acme', 'env-only')).toEqual({ connector: 'env-only', owner: '*', hosts: [], clientId: 'e', clientSecret: 's3cr3t-env', returnUrls: ['https://a.example/x', 'https://b.example/*'], scopes: undefined });
        const listed = await only.list(['env-only']);
        expect(listed.find((a) => a.connector === 'env-only')).toMatchObject({ tenant: '*', hasClientSecret: true, sources: { clientId: 'env' } });
      });

      it("uses a tenant's own app for that tenant only, falling back to the operator's return URLs", async () => {
        const apps = new OAuthApps(new OAuthAppsRepo(store, vault), {});
        await apps.set('byo', { clientId: 'operator', clientSecret: 'operator-secret', returnUrls: ['https://h.example/done'] });
        await apps.set('byo', { clientId: 'acme-own', clientSecret: 'acme-secret' }, { tenant: 'acme' });
        expect(await apps.resolve('acme', 'byo')).toMatchObject({ clientId: 'acme-own', clientSecret: 'acme-secret', returnUrls: ['https://h.example/done'] });
        expect(await apps.resolve('globex', 'byo')).toMatchObject({ clientId: 'operator', clientSecret: 'operator-secret' });
        expect(await apps.remove('byo', { tenant: 'acme' })).toBe(true);
        expect((await apps.resolve('acme', 'byo'))?.clientId).toBe('operator');
      });

      it('rejects an invalid return URL or an empty client id, storing nothing', async () => {
        const apps = new OAuthApps(new OAuthAppsRepo(store, vault), {});
        await expect(apps.set('bad', { clientId: 'x', returnUrls: ['https://ok.example/', 'javascript:alert(1)'] })).rejects.toThrow(/javascript:alert\(1\)/);
        await expect(apps.set('bad', { clientId: '  ' })).rejects.toThrow(/must not be empty/);
        expect(await apps.describe('bad')).toBeUndefined();
      });
    });

    describe('states', () => {
      const base = { tenant: 'acme', connector: 'demo', auth: 'oauth', connectionName: 'main', returnUrl: 'https://h.example/done', redirectUri: 'https://rt.example/v1/oauth/callback' };

      it('stores a hash and the sealed verifier, and gives everything back once', async () => {
        const states = new OAuthStates(new OAuthStatesRepo(store, vault));
        const { state, expiresAt } = await states.create({ ...base, codeVerifier: 'verifier-canary-123456', config: { region: 'eu' } });
        expect(expiresAt).toBe(clock + 600_000);
        const row = await store.knex('oauth_states').where('id', stateId(state)).first();
        expect(row.code_verifier).toMatch(/^pbv1\./);
        expect(JSON.stringify(row)).not.toContain('verifier-canary-123456');
        expect(JSON.stringify(row)).not.toContain(state);
        expect(await states.consume(state)).toEqual({ ok: true, state: { ...base, codeVerifier: 'verifier-canary-123456', config: { region: 'eu' } } });
        expect(await states.consume(state)).toEqual({ ok: false, reason: 'state_reused', returnUrl: base.returnUrl, tenant: 'acme', connector: 'demo' });
      });

      it('lets exactly one of many concurrent consumers win', async () => {
        const states = new OAuthStates(new OAuthStatesRepo(store, vault));
        const { state } = await states.create(base);
        const results = await Promise.all(Array.from({ length: 8 }, () => states.consume(state)));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok && r.reason === 'state_reused')).toHaveLength(7);
      });

      it('says expired after ten minutes, and purges long-expired states', async () => {
        const states = new OAuthStates(new OAuthStatesRepo(store, vault));
        const { state } = await states.create(base);
        const { state: stale } = await states.create(base);
        clock += 600_001;
        expect(await states.consume(state)).toMatchObject({ ok: false, reason: 'state_expired', returnUrl: base.returnUrl });
        expect(await states.consume('made-up')).toEqual({ ok: false, reason: 'invalid_state' });
        expect(await states.consume(undefined)).toEqual({ ok: false, reason: 'invalid_state' });
        clock += 24 * 3_600_000;
        expect(await states.purgeExpired()).toBeGreaterThanOrEqual(2);
        expect(await states.consume(stale)).toEqual({ ok: false, reason: 'invalid_state' });
      });
    });
  });
}
