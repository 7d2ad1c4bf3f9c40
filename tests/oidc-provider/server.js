// panva's certified oidc-provider (8.8.1: the 8.x line is the newest that supports Node 20; 9.x
// wants Node 22), configured for the quickstart: a public client for the SPA
// (PKCE, refresh tokens, RP-Initiated Logout), a resource server for the API whose access
// tokens are RS256 JWTs (RFC 9068) with the API identifier as `aud`, and two users with
// passwords. The login and consent pages are this file's own (oidc-provider leaves them to the
// application); everything else is oidc-provider's.
//
// Usage: node server.js --port PORT --spa-origin http://localhost:SPA_PORT --audience URI
// [--access-token-ttl SECONDS] (`--port 0` picks a free port; access tokens live 600 seconds
// unless told). It listens on 127.0.0.1 only, serves the provider below
// `/oidc/` (so the issuer is `http://localhost:PORT/oidc/`), and prints one JSON line,
// `{"issuer": ...}`, once it accepts connections. No page it serves loads anything from
// elsewhere, so a browser driven through it stays on loopback.

import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const MOUNT = '/oidc';
const CLIENT_ID = 'local-spa-client';
const MAX_FORM_BYTES = 8 * 1024;

const { values: options } = parseArgs({
  options: {
    port: { type: 'string' },
    'spa-origin': { type: 'string' },
    audience: { type: 'string' },
    'access-token-ttl': { type: 'string', default: '600' },
  },
});
const port = Number(options.port);
const spaOrigin = options['spa-origin'];
const audience = options.audience;
const accessTokenTtl = Number(options['access-token-ttl']);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !spaOrigin || !audience
  || !Number.isInteger(accessTokenTtl) || accessTokenTtl < 1) {
  process.stderr.write('usage: node server.js --port PORT --spa-origin ORIGIN --audience URI [--access-token-ttl SECONDS]\n');
  process.exit(2);
}

// The users: the same two as the dev tenant, so the stories read alike.
const ACCOUNTS = new Map([
  ['reader@example.com', {
    sub: 'reader', password: 'password123', name: 'Reader', nickname: 'reader',
  }],
  ['guest@example.com', {
    sub: 'guest', password: 'password123', name: 'Guest', nickname: 'guest',
  }],
]);
const ACCOUNTS_BY_SUB = new Map([...ACCOUNTS].map(([email, account]) => [account.sub, { email, ...account }]));

function digest(text) {
  return createHash('sha256').update(text, 'utf8').digest();
}

// Compares digests of equal length in constant time, so the answer's timing says nothing of the
// password.
function passwordMatches(account, password) {
  return account !== undefined && timingSafeEqual(digest(account.password), digest(password));
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig',
};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:24rem;margin:3rem auto}label,input,button{display:block;margin:.5rem 0}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

// Scope claims for `profile` and `email` (OIDC Core 5.4).
const claims = {
  openid: ['sub'],
  profile: ['name', 'nickname'],
  email: ['email', 'email_verified'],
};

const issuer = (listeningPort) => `http://localhost:${listeningPort}${MOUNT}/`;

function configuration() {
  return {
    clients: [{
      client_id: CLIENT_ID,
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [`${spaOrigin}/callback`],
      post_logout_redirect_uris: [spaOrigin],
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims,
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientBasedCORS: (_ctx, origin) => origin === spaOrigin,
    async findAccount(_ctx, sub) {
      const account = ACCOUNTS_BY_SUB.get(sub);
      if (account === undefined) {
        return undefined;
      }
      return {
        accountId: sub,
        // No `updated_at`: OIDC Core 5.1 makes it a number, which the SPA's claims types (as
        // Auth0 writes it, a string) refuse.
        async claims() {
          return {
            sub, name: account.name, nickname: account.nickname, email: account.email, email_verified: true,
          };
        },
      };
    },
    interactions: {
      url: (_ctx, interaction) => `${MOUNT}/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Log out', `${form}<p>Do you want to log out of ${escapeHtml(ctx.host)}?</p>
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Logged out', '<p>You are logged out.</p>');
        },
      },
      // RFC 8707: the SPA names the API as `resource`; its access tokens are JWTs for it.
      resourceIndicators: {
        enabled: true,
        async getResourceServerInfo(_ctx, resourceIndicator) {
          if (resourceIndicator !== audience) {
            throw new errors.InvalidTarget();
          }
          return {
            scope: 'read:messages',
            audience,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', Object.entries(out)
        .map(([name, value]) => `<p><strong>${escapeHtml(name)}</strong>: ${escapeHtml(value)}</p>`)
        .join(''));
    },
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      RefreshToken: 86_400,
      Session: 86_400,
      Grant: 86_400,
    },
  };
}

// Reads an `application/x-www-form-urlencoded` body of at most MAX_FORM_BYTES.
function readForm(request) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        reject(new Error('form too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    request.on('error', reject);
  });
}

function loginPage(uid, problem) {
  return page('Sign in', `${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="${MOUNT}/interaction/${escapeHtml(uid)}/login">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Continue</button>
</form>`);
}

function consentPage(uid, details) {
  const scopes = [
    ...(details.missingOIDCScope ?? []),
    ...Object.values(details.missingResourceScopes ?? {}).flat(),
  ];
  return page('Authorize', `<p>The quickstart asks for:</p>
<ul>${scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('')}</ul>
<form method="post" action="${MOUNT}/interaction/${escapeHtml(uid)}/confirm">
<button type="submit">Allow</button>
</form>`);
}

function send(response, status, html) {
  response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(html);
}

async function interaction(provider, request, response, rest) {
  const details = await provider.interactionDetails(request, response);
  const [uid, action] = rest.split('/');
  if (uid !== details.uid) {
    send(response, 400, page('Error', '<p>This login has expired; start again from the app.</p>'));
    return;
  }
  if (request.method === 'GET' && action === undefined) {
    if (details.prompt.name === 'login') {
      send(response, 200, loginPage(uid));
    } else {
      send(response, 200, consentPage(uid, details.prompt.details));
    }
    return;
  }
  if (request.method === 'POST' && action === 'login' && details.prompt.name === 'login') {
    const form = await readForm(request);
    const account = ACCOUNTS.get(form.get('email') ?? '');
    if (!passwordMatches(account, form.get('password') ?? '')) {
      send(response, 200, loginPage(uid, 'Wrong email or password.'));
      return;
    }
    await provider.interactionFinished(request, response, { login: { accountId: account.sub } }, {
      mergeWithLastSubmission: false,
    });
    return;
  }
  if (request.method === 'POST' && action === 'confirm' && details.prompt.name === 'consent') {
    const { prompt: { details: missing }, grantId, session, params } = details;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (missing.missingOIDCScope) {
      grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    }
    if (missing.missingOIDCClaims) {
      grant.addOIDCClaims(missing.missingOIDCClaims);
    }
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    await provider.interactionFinished(request, response, { consent: { grantId: await grant.save() } }, {
      mergeWithLastSubmission: true,
    });
    return;
  }
  send(response, 404, page('Not found', '<p>No such page.</p>'));
}

let provider;
let handle;
const server = createServer((request, response) => {
  const url = request.url ?? '/';
  if (url !== MOUNT && !url.startsWith(`${MOUNT}/`)) {
    send(response, 404, page('Not found', '<p>No such page.</p>'));
    return;
  }
  const rest = url.slice(MOUNT.length);
  if (rest.startsWith('/interaction/')) {
    interaction(provider, request, response, rest.slice('/interaction/'.length).split('?')[0])
      .catch((error) => {
        process.stderr.write(`oidc-provider harness: interaction failed: ${error.message}\n`);
        if (!response.headersSent) {
          send(response, 400, page('Error', '<p>This login could not go on; start again from the app.</p>'));
        }
      });
    return;
  }
  // Mounted as an express app would mount it: the provider reads its mount path from
  // `originalUrl` and routes on what follows.
  request.originalUrl = url;
  request.url = rest === '' ? '/' : rest;
  handle(request, response);
});

server.listen(port, '127.0.0.1', () => {
  const listening = server.address().port;
  provider = new Provider(issuer(listening), configuration());
  handle = provider.callback();
  provider.on('server_error', (_ctx, error) => {
    process.stderr.write(`oidc-provider harness: server error: ${error.message}\n`);
  });
  process.stdout.write(`${JSON.stringify({ issuer: issuer(listening) })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
