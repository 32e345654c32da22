// The browser's GST state codes are the server's (Sources/App/Core/Validators.swift).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATE_CODES, INDIAN_STATES } from '../../Public/js/states.js';

test('GST state codes match the server, and the list is sorted by name', () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const swift = readFileSync(join(root, 'Sources/App/Core/Validators.swift'), 'utf8');
  const server = Object.fromEntries([...swift.matchAll(/\("(\d{2})", "([^"]+)"\)/g)].map((m) => [m[2], m[1]]).filter(([name]) => name !== 'Other Territory'));
  assert.deepEqual(STATE_CODES, server);
  assert.deepEqual(INDIAN_STATES, Object.keys(server).sort((a, b) => a.localeCompare(b)));
});
