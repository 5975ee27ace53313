#!/usr/bin/env node
// The package's `orrery` command: loads the bundled CLI (out/main/cli.cjs).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const cli = path.join(__dirname, '..', 'out', 'main', 'cli.cjs');
if (!fs.existsSync(cli)) {
  process.stderr.write('orrery: not built yet; run npm run build\n');
  process.exit(1);
}
require(cli);
