import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { AccountsError } from '../src/accounts/manage.js';
import { UsageError } from '../src/cli/command.js';
import { reportError } from '../src/cli/errors.js';
import { COMMANDS, dispatch, USAGE } from '../src/cli/registry.js';
import { ConfigError } from '../src/config/index.js';

/**
 * Every module `entry` can load, following static imports and, from `lazyFrom` files, the dynamic
 * `import()`s too: what a command pulls in when it runs. Bare specifiers (packages) are returned.
 */
function reachablePackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.'))
        packages.add(fileName.startsWith('@') ? fileName.split('/').slice(0, 2).join('/') : fileName.split('/')[0]!);
      else {
        const target = resolve(dirname(file), fileName.replace(/\.js$/, '.ts'));
        visit(existsSync(target) ? target : resolve(dirname(file), fileName, 'index.ts'));
      }
    }
  };
  visit(resolve(entry));
  return packages;
}

describe('plainfra commands', () => {
  it('lists every command once in the usage text, in registry order', () => {
    const names = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
    expect(USAGE.split('\n').slice(0, 2)).toEqual(['usage: plainfra <command>', '']);
    for (const c of COMMANDS) for (const line of c.usage) expect(USAGE).toContain(line);
    expect(USAGE).toMatch(/accounts add[\s\S]*digest --team/);
  });

  it('refuses an unknown command or subcommand with a usage error naming it', async () => {
    await expect(dispatch(['frobnicate'])).rejects.toThrow(new UsageError('unknown command "frobnicate"'));
    await expect(dispatch(['channels', 'unbind'])).rejects.toThrow(UsageError);
    await expect(dispatch(['digest', '--team', 'T', '--channel', 'C'])).rejects.toThrow(/digest needs --now/);
  });

  it('prints operator errors plainly, usage problems with the usage, and anything else with its stack', () => {
    expect(reportError(new AccountsError('no account "nope"'), USAGE)).toEqual({ message: 'plainfra: no account "nope"', exitCode: 1 });
    expect(reportError(new UsageError('missing --team'), USAGE)).toEqual({ message: `plainfra: missing --team\n\n${USAGE}`, exitCode: 2 });
    expect(reportError(new ConfigError('DATABASE_URL is required'), USAGE)).toEqual({ message: 'DATABASE_URL is required', exitCode: 2 });
    const bug = reportError(new TypeError('x is undefined'), USAGE);
    expect(bug.exitCode).toBe(1);
    expect(bug.message).toMatch(/^plainfra: TypeError: x is undefined\n\s+at /);
  });

  it('loads no Slack code for `plainfra digest`, and no AWS or LLM SDK for the sentinel', () => {
    const digest = reachablePackages('src/cli/commands/digest.ts');
    expect(digest.has('bullmq')).toBe(true); // the walk does follow the command's lazy imports
    expect([...digest].filter((p) => p.startsWith('@slack/'))).toEqual([]);
    const sentinel = reachablePackages('src/workers/sentinel.ts');
    expect(sentinel.has('@anthropic-ai/sdk')).toBe(true);
    expect([...sentinel].filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@slack/'))).toEqual([]);
  });
});
