import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../src/app.js';

let server;
let base;

before(async () => {
  server = createServer(createApp());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

const post = (text) => fetch(`${base}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });

describe('notes', () => {
  it('answers the health check', async () => {
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
  });

  it('adds a note and lists it first', async () => {
    const res = await post('Buy milk');
    assert.equal(res.status, 201);
    const { note } = await res.json();
    assert.equal(note.text, 'Buy milk');
    const list = await (await fetch(`${base}/notes`)).json();
    assert.equal(list.notes[0].id, note.id);
  });

  it('refuses an empty or oversized note', async () => {
    assert.equal((await post('   ')).status, 400);
    assert.equal((await post('x'.repeat(501))).status, 400);
  });
});
