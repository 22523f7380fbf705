// The config's field table (FIELD_GROUPS) and ExperimentConfig describe the same settings: every
// leaf of a config has exactly one field spec, in its own section's group, and no spec names
// anything else. (The types check each spec's kind against its setting; this checks coverage.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIELD_GROUPS, FIELDS, type FieldGroup } from '../src/shared/config.ts';
import { PRESETS } from '../src/shared/presets.ts';

/** `section.key` for every setting of a config object (arrays are single settings). */
function settingPaths(config: object): string[] {
  return Object.entries(config).flatMap(([section, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).map((k) => `${section}.${k}`) : [],
  );
}

test('every setting has exactly one field spec, and every spec names a setting', () => {
  assert.ok(PRESETS.length > 0);
  for (const preset of PRESETS) {
    const settings = settingPaths(preset.config).sort();
    const specs: string[] = FIELDS.map((f) => f.path).sort();
    const duplicated = specs.filter((p, i) => specs[i - 1] === p);
    assert.deepEqual(duplicated, [], 'settings with more than one field spec');
    assert.deepEqual(
      settings.filter((s) => !specs.includes(s)),
      [],
      `${preset.id}: settings without a field spec`,
    );
    assert.deepEqual(
      specs.filter((p) => !settings.includes(p)),
      [],
      `${preset.id}: field specs that name no setting`,
    );
  }
});

test('each field spec sits in the group of its own section', () => {
  for (const [group, { fields }] of Object.entries(FIELD_GROUPS) as [FieldGroup, { fields: { path: string }[] }][]) {
    for (const f of fields) assert.equal(f.path.split('.')[0], group, `${f.path} is listed under ${group}`);
  }
});
