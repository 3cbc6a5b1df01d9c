// A real OpenID Connect provider for the tests (node-oidc-provider, certified by the OpenID
// Foundation), on a loopback port: tests/sso/conftest.py starts it and stops it.
//
//   node tests/sso/provider.mjs <port> <config.json>
//
// The JSON names the client (id, secret, redirect URIs) and the accounts: each account's id is
// what the login form takes, and its claims what the ID token and userinfo say. An account
// with "disabled": true is refused at the login form, as a provider refuses a disabled user.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Provider = (await import(require.resolve("oidc-provider", { paths: [new URL("../browser/", import.meta.url).pathname] }))).default;

const [port, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, "utf8"));
const issuer = `http://127.0.0.1:${port}`;
const accounts = config.accounts;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.client.id,
      client_secret: config.client.secret,
      redirect_uris: config.client.redirect_uris,
      response_types: ["code"],
      grant_types: ["authorization_code"],
    },
  ],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name"],
    groups: ["groups"],
  },
  scopes: ["openid", "email", "profile", "groups"],
  // Every claim in the ID token as well, as Entra ID and Okta can be set to do.
  conformIdTokenClaims: false,
  ttl: { IdToken: config.id_token_ttl || 3600, AccessToken: 3600, AuthorizationCode: 600 },
  features: { devInteractions: { enabled: true } },
  // The tests' own signing key, so that they can also sign tokens the provider never issued.
  jwks: { keys: [config.signing_key] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account || account.disabled) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account.claims }; } };
  },
  loadExistingGrant: async (ctx) => {
    // Consent is given once and for all for the test client: no consent screen.
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile groups");
    grant.addOIDCClaims(["email", "email_verified", "name", "groups"]);
    await grant.save();
    return grant;
  },
});
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => {
  process.stdout.write(`ready ${issuer}\n`);
});
