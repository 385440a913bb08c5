// Which association a runtime command acts for when a folder holds several: named by --association
// (or STANDING_ASSOCIATION), else refused as bad input listing the ones loaded; broken neighbours warn.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chooseAssociation } from '../cli/association.js';
import { BAD_INPUT_EXIT, BadInput } from '../cli/bad-input.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

const associationYaml = (id: string, extra = '') =>
  `association:\n  id: ${id}\n  timezone: America/Chicago\nmembershipTypes:\n  - code: REALTOR\n${extra}`;

/** A folder of association files, each `name: text`. */
async function folderOf(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'standing-associations-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
  return folder;
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `standing` on a folder of associations; nothing listens at TEMPORAL_ADDRESS. */
async function standing(folder: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin', 'standing.js'), ...args], {
      cwd: root,
      env: {
        ...process.env,
        STANDING_CONFIG: undefined,
        STANDING_ASSOCIATION: undefined,
        STANDING_ASSOCIATIONS: folder,
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as Outcome;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('standing with a folder of associations', () => {
  it('refuses a command that names no association when two are loaded, listing both', async () => {
    const folder = await folderOf({ 'east.yaml': associationYaml('EASTAMB'), 'west.yaml': associationYaml('WESTAMB') });
    for (const args of [['list'], ['import', join(root, 'examples', 'associations', 'sample.roster.csv')]]) {
      const outcome = await standing(folder, args);
      expect(outcome).toMatchObject({ code: BAD_INPUT_EXIT, stdout: '' });
      expect(outcome.stderr).toBe(
        `${folder}: several associations are loaded (EASTAMB, WESTAMB): name one with --association ID (or set STANDING_ASSOCIATION)\n`,
      );
    }
  });

  it('refuses an id that is not loaded, listing the ones that are, from --association or STANDING_ASSOCIATION', async () => {
    const folder = await folderOf({ 'east.yaml': associationYaml('EASTUNK'), 'west.yaml': associationYaml('WESTUNK') });
    // A global option: read before the command name as well as after it.
    expect(await standing(folder, ['--association', 'NORTHUNK', 'list'])).toEqual({
      code: BAD_INPUT_EXIT,
      stdout: '',
      stderr: `${folder}: --association: no association NORTHUNK is loaded (loaded: EASTUNK, WESTUNK)\n`,
    });
    expect(await standing(folder, ['list'], { STANDING_ASSOCIATION: 'SOUTHUNK' })).toEqual({
      code: BAD_INPUT_EXIT,
      stdout: '',
      stderr: `${folder}: --association: no association SOUTHUNK is loaded (loaded: EASTUNK, WESTUNK) (SOUTHUNK is the value of STANDING_ASSOCIATION)\n`,
    });
  });

  it('names the files it could not load when the choice fails: the one meant may be among them', async () => {
    const folder = await folderOf({
      'east.yaml': associationYaml('EASTBRK'),
      'west.yaml': 'association:\n  id: WESTBRK\n',
    });
    const outcome = await standing(folder, ['list', '--association', 'WESTBRK']);
    expect(outcome.code).toBe(BAD_INPUT_EXIT);
    expect(outcome.stderr.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${join(folder, 'west.yaml')}:1: membershipTypes: `)),
      `${folder}: --association: no association WESTBRK is loaded (loaded: EASTBRK)`,
      '',
    ]);
  });

  it('refuses a --config file that is broken, as before: its problems, nothing else', async () => {
    const folder = await folderOf({ 'only.yaml': 'association:\n  id: ONLYBRK\n' });
    const outcome = await standing(folder, ['--config', join(folder, 'only.yaml'), 'list']);
    expect(outcome.code).toBe(BAD_INPUT_EXIT);
    expect(outcome.stderr).toMatch(new RegExp(`^${join(folder, 'only.yaml')}:1: membershipTypes: [^\\n]*\\n$`));
  });
});

describe('chooseAssociation', () => {
  const noWarnings = (line: string) => {
    throw new Error(`unexpected warning: ${line}`);
  };

  it('chooses the association named, with its own namespace and task queue', async () => {
    const folder = await folderOf({
      'east.yaml': associationYaml('EASTSEL', 'temporal:\n  namespace: east-board\n'),
      'west.yaml': associationYaml('WESTSEL', 'temporal:\n  taskQueue: hosted-pool\n'),
    });
    const env = { STANDING_ASSOCIATIONS: folder };
    const east = await chooseAssociation({ association: 'EASTSEL' }, 'default', noWarnings, env);
    expect(east).toMatchObject({
      id: 'EASTSEL',
      file: join(folder, 'east.yaml'),
      namespace: 'east-board',
      taskQueue: 'standing/EASTSEL',
    });
    const west = await chooseAssociation({ association: 'WESTSEL' }, 'connection-ns', noWarnings, env);
    expect(west).toMatchObject({ id: 'WESTSEL', namespace: 'connection-ns', taskQueue: 'hosted-pool' });
    expect(west.config.association.id).toBe('WESTSEL');
  });

  it('chooses the only association without being told, whether from a folder or one file', async () => {
    const folder = await folderOf({ 'solo.yaml': associationYaml('SOLOSEL') });
    expect((await chooseAssociation({}, 'default', noWarnings, { STANDING_ASSOCIATIONS: folder })).taskQueue).toBe(
      'standing/SOLOSEL',
    );
    expect(
      (await chooseAssociation({}, 'default', noWarnings, { STANDING_CONFIG: join(folder, 'solo.yaml') })).id,
    ).toBe('SOLOSEL');
    // --config names one file even where a folder is configured.
    expect(
      (
        await chooseAssociation({ config: join(folder, 'solo.yaml') }, 'default', noWarnings, {
          STANDING_ASSOCIATIONS: '/nowhere',
        })
      ).id,
    ).toBe('SOLOSEL');
  });

  it('warns about the broken files of other associations and carries on', async () => {
    const folder = await folderOf({
      'good.yaml': associationYaml('GOODWRN'),
      'other.yaml': 'association:\n  id: OTHERWRN\n',
      'again.yaml': associationYaml('GOODWRN'),
    });
    const warnings: string[] = [];
    const chosen = await chooseAssociation({ association: 'GOODWRN' }, 'default', (line) => warnings.push(line), {
      STANDING_ASSOCIATIONS: folder,
    });
    // Files load by name: again.yaml holds GOODWRN first, so good.yaml is the duplicate left out.
    expect(chosen.file).toBe(join(folder, 'again.yaml'));
    expect(warnings).toEqual([
      `standing: warning: ${join(folder, 'good.yaml')}: association GOODWRN is already defined by again.yaml; left out`,
      expect.stringMatching(new RegExp(`^standing: warning: ${join(folder, 'other.yaml')}:1: membershipTypes: `)),
    ]);
  });

  it('refuses both variables at once as bad input from the environment', async () => {
    const refused = chooseAssociation({}, 'default', noWarnings, {
      STANDING_ASSOCIATIONS: '/a',
      STANDING_CONFIG: '/b',
    });
    await expect(refused).rejects.toBeInstanceOf(BadInput);
    await expect(refused).rejects.toThrow(
      'environment: STANDING_ASSOCIATIONS and STANDING_CONFIG are both set: set one (a folder, or a single file)',
    );
  });
});
