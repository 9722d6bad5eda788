/**
 * `npm run schema`: writes schemas/connector.schema.json from the base schema and the
 * built-in components (engine/manifest/schema-gen.ts). The file is checked in for editors;
 * test/components/schema-file.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestSchemaJson, SCHEMA_FILE } from '../engine/manifest/schema-gen.js';
import { packageRoot } from '../engine/core/package-root.js';

writeFileSync(join(packageRoot(), SCHEMA_FILE), manifestSchemaJson());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
