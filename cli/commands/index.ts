/**
 * Every command of the program. A command module exports `register(program)`, which adds one
 * subcommand and returns it; engine modules are imported lazily inside its action.
 */
import type { Command } from 'commander';
import { register as validate } from './validate.js';
import { register as list } from './list.js';
import { register as describe } from './describe.js';
import { register as init } from './init.js';
import { register as call } from './call.js';
import { register as read } from './read.js';
import { register as get } from './get.js';
import { register as discover } from './discover.js';
import { register as test } from './test.js';
import { register as connect } from './connect.js';
import { register as connections } from './connections.js';
import { register as choose } from './choose.js';
import { register as sync } from './sync.js';
import { register as runs } from './runs.js';
import { register as records } from './records.js';
import { register as state } from './state.js';
import { register as secrets } from './secrets.js';
import { register as serve } from './serve.js';
import { register as keys } from './keys.js';
import { register as oauthApps } from './oauth-apps.js';
import { register as connectorSecrets } from './connector-secrets.js';
import { register as purge } from './purge.js';

export type RegisterCommand = (program: Command) => Command;

export const COMMANDS: RegisterCommand[] = [validate, list, describe, init, call, read, discover, get, test, connect, choose, connections, sync, runs, records, state, secrets, serve, keys, oauthApps, connectorSecrets, purge];
