// nginx.conf for the lab's gate: one port, one server block per web UI under lab.localhost, Labdeck itself
// at labdeck.lab.localhost and every other UI behind Labdeck's forward-auth endpoint (auth_request to
// /api/gate/auth, issue #21). Browsers resolve *.localhost to loopback, so no DNS or /etc/hosts is needed.

/** The domain every gated UI lives under; Labdeck's session cookie is set for it. */
export const GATE_DOMAIN = 'lab.localhost';

/** `http://<name>.lab.localhost:<port>`: the address a user opens for that UI. */
export const gatedOrigin = (name: string, port: number): string => `http://${name}.${GATE_DOMAIN}:${port}`;

/** A web UI behind the gate. */
export interface GatedSite {
  /** Its host is <name>.lab.localhost. */
  name: string;
  /** Where the UI really answers, e.g. 127.0.0.1:8085. */
  upstream: string;
  /** It holds websockets open (Dagster's GraphQL subscriptions). */
  websockets?: boolean;
}

export interface GateConfig {
  /** Instance directory: pid file, temp files and access log go here. */
  dir: string;
  port: number;
  /** Labdeck's own address, e.g. 127.0.0.1:8080: served at labdeck.lab.localhost, asked on every gated request. */
  labdeck: string;
  sites: GatedSite[];
  /** `user nobody nogroup;` for the workers when the master runs as root (nginx refuses the directive otherwise). */
  workerUser?: string;
}

const proxyHeaders = [
  'proxy_http_version 1.1;',
  'proxy_set_header Host $http_host;',
  'proxy_set_header X-Forwarded-For $remote_addr;',
  'proxy_set_header X-Forwarded-Proto $scheme;',
  'proxy_set_header X-Forwarded-Host $http_host;',
];

// What the browser sends under these names never reaches the UI: each is set from Labdeck's answer
// (empty, so not sent at all, when Labdeck names nobody).
const identityHeaders = [
  ['X-Forwarded-User', '$gate_user'],
  ['X-Forwarded-Email', '$gate_email'],
  ['X-Forwarded-Groups', '$gate_groups'],
  ['X-Forwarded-Preferred-Username', '$gate_preferred_username'],
] as const;

const upgradeHeaders = [
  'proxy_set_header Upgrade $http_upgrade;',
  'proxy_set_header Connection $connection_upgrade;',
  'proxy_read_timeout 1h;',
];

const indent = (lines: string[], depth = 1): string[] =>
  lines.map((line) => `${'    '.repeat(depth)}${line}`);

function labdeckServer(config: GateConfig): string[] {
  return [
    'server {',
    ...indent([
      `listen 127.0.0.1:${config.port};`,
      `server_name labdeck.${GATE_DOMAIN};`,
      'location / {',
      ...indent([
        `proxy_pass http://${config.labdeck};`,
        ...proxyHeaders,
        ...upgradeHeaders,
        // Live events (SSE) and streamed SQL results go to the browser as Labdeck writes them.
        'proxy_buffering off;',
        ...identityHeaders.map(([name]) => `proxy_set_header ${name} "";`),
      ]),
      '}',
    ]),
    '}',
  ];
}

function gatedServer(config: GateConfig, site: GatedSite): string[] {
  return [
    'server {',
    ...indent([
      `listen 127.0.0.1:${config.port};`,
      `server_name ${site.name}.${GATE_DOMAIN};`,
      'location = /_labdeck_gate {',
      ...indent([
        'internal;',
        `proxy_pass http://${config.labdeck}/api/gate/auth;`,
        'proxy_pass_request_body off;',
        'proxy_set_header Content-Length "";',
        `proxy_set_header Host ${config.labdeck};`,
        'proxy_set_header X-Original-URL $scheme://$http_host$request_uri;',
        'proxy_set_header X-Original-Method $request_method;',
        ...identityHeaders.map(([name]) => `proxy_set_header ${name} "";`),
      ]),
      '}',
      'location / {',
      ...indent([
        'auth_request /_labdeck_gate;',
        'auth_request_set $gate_user $upstream_http_x_forwarded_user;',
        'auth_request_set $gate_email $upstream_http_x_forwarded_email;',
        'auth_request_set $gate_groups $upstream_http_x_forwarded_groups;',
        'auth_request_set $gate_preferred_username $upstream_http_x_forwarded_preferred_username;',
        'auth_request_set $gate_signin $upstream_http_x_labdeck_sign_in;',
        'auth_request_set $gate_denied $upstream_http_x_labdeck_denied;',
        'error_page 401 = @labdeck_signin;',
        'error_page 403 = @labdeck_denied;',
        `proxy_pass http://${site.upstream};`,
        ...proxyHeaders,
        ...identityHeaders.map(([name, variable]) => `proxy_set_header ${name} ${variable};`),
        ...(site.websockets ? upgradeHeaders : []),
      ]),
      '}',
      'location @labdeck_signin {',
      ...indent(['add_header Cache-Control no-store always;', 'return 302 $gate_signin;']),
      '}',
      'location @labdeck_denied {',
      ...indent(['add_header Cache-Control no-store always;', 'return 302 $gate_denied;']),
      '}',
    ]),
    '}',
  ];
}

/** The whole nginx.conf for `nginx -p <dir> -c <file> -e stderr -g 'daemon off;'`, run by any user. */
export function gateNginxConfig(config: GateConfig): string {
  const { dir } = config;
  const lines = [
    '# Written by npm run lab (lab/gate): the lab UIs behind Labdeck.',
    ...(config.workerUser ? [`user ${config.workerUser};`] : []),
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    'error_log stderr notice;',
    'events { worker_connections 1024; }',
    'http {',
    ...indent([
      `access_log ${dir}/access.log;`,
      `client_body_temp_path ${dir}/temp/body;`,
      `proxy_temp_path ${dir}/temp/proxy;`,
      `fastcgi_temp_path ${dir}/temp/fastcgi;`,
      `uwsgi_temp_path ${dir}/temp/uwsgi;`,
      `scgi_temp_path ${dir}/temp/scgi;`,
      'client_max_body_size 10m;',
      'server_tokens off;',
      'map $http_upgrade $connection_upgrade { default upgrade; "" ""; }',
      'server {',
      ...indent([
        `listen 127.0.0.1:${config.port} default_server;`,
        'default_type text/plain;',
        `return 404 "No lab UI is served under this host name: open http://labdeck.${GATE_DOMAIN}:${config.port}/\\n";`,
      ]),
      '}',
      ...labdeckServer(config),
      ...config.sites.flatMap((site) => gatedServer(config, site)),
    ]),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
