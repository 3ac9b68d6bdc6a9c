#!/usr/bin/env node
// The `tsm` command. It lives outside dist/ so that npm can link it at install time, before the
// TypeScript sources are compiled (`npm install` builds them into dist/).
import '../dist/cli/main.js';
