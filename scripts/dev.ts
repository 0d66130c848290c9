/** Development: the BFF on :8080 (restarted on change) and Vite's dev server on :5173 proxying /api to it. */
import { spawn } from 'node:child_process';

const children = [
  spawn(process.execPath, ['--watch-path=server', 'server/main.ts'], {
    stdio: 'inherit',
    env: { NODE_ENV: 'development', ...process.env, PORT: '8080' },
  }),
  spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--port', '5173'], { stdio: 'inherit' }),
];

const stop = () => {
  for (const child of children) child.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.on('exit', (code) => code && code !== 143 && stop());
