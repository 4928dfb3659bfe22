#!/usr/bin/env node
// The `trustmesh` bin: runs src/main.ts through tsx's loader, so the package needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
