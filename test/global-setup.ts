import { execFileSync } from 'node:child_process';

/**
 * End-to-end tests spawn the built `plainfra` command (dist/cli.js), exactly what operators run, so
 * build once before any test file starts. Incremental (the build info lives in dist/), so a run with
 * nothing changed since the last build costs a second, not a full compile.
 */
export default function setup(): void {
  execFileSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'],
    { stdio: 'inherit' },
  );
}
