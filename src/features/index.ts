import admin from './admin';
import home from './home';
import jobs from './jobs';
import lineage from './lineage';
import settings from './settings';
import signin from './signin';
import sql from './sql';
import status from './status';
import streams from './streams';
import type { Feature } from './types';

/** Every feature, in navigation order; the router, navigation and palette are built from this list. */
export const features: readonly Feature[] = [
  home,
  lineage,
  sql,
  streams,
  jobs,
  settings,
  status,
  admin,
  signin,
];
