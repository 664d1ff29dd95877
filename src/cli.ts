#!/usr/bin/env node
import { reportError } from './cli/errors.js';
import { dispatch, USAGE } from './cli/registry.js';

/**
 * The `plainfra` command (the package's bin). Each command is a module under `cli/commands/` that
 * imports its role's code lazily, so each process loads only its own code: `plainfra sentinel` never
 * even loads the AWS SDK, `plainfra hawk` never the LLM SDK.
 */
dispatch(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const { message, exitCode } = reportError(err, USAGE);
    console.error(message);
    process.exitCode = exitCode;
  },
);
