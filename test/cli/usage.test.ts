/** Every subcommand's usage line names every flag it accepts, so `--help` never hides one. */
import { describe, expect, it } from 'vitest';
import { commandNames, loadCommand } from '@hwtotp/tools';

describe('hwtotp <command> --help', () => {
  it('lists every flag the command accepts', async () => {
    const hidden: string[] = [];
    for (const name of commandNames()) {
      const cmd = (await loadCommand(name))!;
      expect(cmd.name).toBe(name);
      for (const flag of Object.keys(cmd.options)) {
        if (!new RegExp(`--${flag}\\b`).test(cmd.usage)) hidden.push(`${name} --${flag}`);
      }
    }
    expect(hidden).toEqual([]);
  });
});
