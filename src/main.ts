import { createWebHistory } from 'vue-router';
import { createLabdeck } from './app';
import { installStyleNonce } from './shared/csp-nonce';
import { afterFirstPaint } from './shared/paint';
import { takeOver } from './shared/takeover';
import './shared/styles/base.css';

installStyleNonce();
const { app } = createLabdeck(createWebHistory());
const root = document.getElementById('app');
if (root?.firstElementChild) {
  // The BFF rendered the first screen into #app (server/platform/ssr.ts). Once the browser reports it
  // painted, the SPA mounts over it: mounting replaces that markup in one task, so no empty frame shows.
  // Not hydration on purpose: what only the browser knows (theme, platform, local time zone, relative
  // times) may differ from the server's render, and replacing cannot fail on such differences. Focus
  // and text typed meanwhile are carried over.
  afterFirstPaint(() => takeOver(root, () => app.mount(root)));
} else app.mount('#app');
