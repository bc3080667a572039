// The one error-code → HTTP status map, and the error handler every route shares, through a
// real Fastify instance: what the domain, the app and the routes throw becomes {code, message}
// with the code's status (the type makes a code without a status a compile error; this checks
// the statuses are sane and actually used).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { errorCodes } from '../../../src/protocol/messages.js';
import { HttpError, installErrorHandler, STATUS_BY_CODE } from '../../../src/api/http-errors.js';
import { SpaceError } from '../../../src/spaces/index.js';
import { AppError } from '../../../src/app/app-error.js';
import { MediaUnavailableError } from '../../../src/media/room/room-handle.js';
import { SpaceElsewhereError } from '../../../src/app/space-placement.js';

async function replyTo(thrown: () => never) {
  const app = Fastify();
  installErrorHandler(app);
  app.get('/x', async () => thrown());
  try {
    const res = await app.inject({ method: 'GET', url: '/x' });
    return { status: res.statusCode, body: res.json() as { code: string; message: string }, headers: res.headers };
  } finally {
    await app.close();
  }
}

describe('STATUS_BY_CODE', () => {
  it('gives every wire error code an error status', () => {
    for (const code of errorCodes) {
      const status = STATUS_BY_CODE[code];
      assert.ok(status >= 400 && status < 600, `${code}: ${status}`);
    }
    assert.equal(STATUS_BY_CODE.internal, 500);
    assert.equal(STATUS_BY_CODE.rate_limited, 429);
    assert.equal(STATUS_BY_CODE.space_not_found, 404);
  });
});

describe('installErrorHandler', () => {
  it("answers a domain refusal with its code's status", async () => {
    const r = await replyTo(() => {
      throw new SpaceError('stage_full', 'the stage is full');
    });
    assert.equal(r.status, 409);
    assert.deepEqual(r.body, { code: 'stage_full', message: 'the stage is full' });
  });

  it("answers an app refusal with its code's status and Retry-After", async () => {
    const r = await replyTo(() => {
      throw new AppError('rate_limited', 'slow down', 2.2);
    });
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '3');
    assert.equal(r.body.code, 'rate_limited');
  });

  it("answers a route's HttpError with its code's status and headers", async () => {
    const r = await replyTo(() => {
      throw new HttpError('bad_credentials', 'wrong handle or password', { 'www-authenticate': 'Bearer' });
    });
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Bearer');
    assert.deepEqual(r.body, { code: 'bad_credentials', message: 'wrong handle or password' });
  });

  it('answers the media plane being down with 503 and Retry-After', async () => {
    const r = await replyTo(() => {
      throw new MediaUnavailableError('no media worker');
    });
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.body.code, 'unavailable');
  });

  it('a Space that another node took meanwhile is 503 unavailable with Retry-After (the retry is forwarded there)', async () => {
    const r = await replyTo(() => {
      throw new SpaceElsewhereError('s1', 'http://other:8080');
    });
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.body.code, 'unavailable');
    assert.doesNotMatch(r.body.message, /other:8080/, "the other node's address is not shown");
  });

  it('hides anything unexpected behind 500 internal', async () => {
    const r = await replyTo(() => {
      throw new Error('secret detail');
    });
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, { code: 'internal', message: 'internal error' });
  });
});
