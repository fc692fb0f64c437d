// Validates the API's description (docs/openapi.json) with an independent
// OpenAPI 3.1 validator, @apidevtools/swagger-parser: the document's structure
// against the specification's schema, every $ref resolved, path parameters
// declared for every template, operationIds unique.
// Usage: node web/test/openapi.test.mjs [path/to/openapi.json]
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';

const file = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'openapi.json');

test('docs/openapi.json is a valid OpenAPI 3.1 description', async () => {
  // validate() may change the object it is given; each check gets its own copy.
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(doc.openapi, '3.1.0');
  await SwaggerParser.validate(structuredClone(doc));
});

test('every operation answers errors in the shape {"error": {code, message, field?}}', () => {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const error = doc.components.schemas.Error;
  assert.deepEqual(error.required, ['error']);
  assert.deepEqual(Object.keys(error.properties.error.properties).sort(), ['code', 'field', 'message']);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      assert.ok(op.responses.default, `${method} ${path} has no default (error) response`);
    }
  }
});
