import { createWebHistory } from 'vue-router';
import { createLabdeck } from './app';
import './shared/styles/base.css';

// The BFF may have rendered the first screen into #app already (server/platform/ssr.ts): mounting
// replaces that markup with the live app in the same task, so the browser never shows an empty frame.
// Not hydration on purpose: what only the browser knows (theme, platform, local time zone, relative
// times) may differ from the server's render, and replacing cannot fail on such differences.
createLabdeck(createWebHistory()).app.mount('#app');
