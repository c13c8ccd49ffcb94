#!/usr/bin/env node
// Entry point of the `reclens` command: runs the compiled CLI.
import "../dist/cli/index.js";
