// Every migration, oldest first; position i must hold version i + 1 (checked when migrating).

import type { Migration } from '../migrate.ts';
import { migration001 } from './001-initial.ts';
import { migration002 } from './002-run-heartbeat.ts';
import { migration003 } from './003-change-log.ts';
import { migration004 } from './004-sweeps.ts';
import { migration005 } from './005-evaluations.ts';
import { migration006 } from './006-training-controls.ts';
import { migration007 } from './007-run-data.ts';
import { migration008 } from './008-colour-images.ts';
import { migration009 } from './009-run-worker.ts';

export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
