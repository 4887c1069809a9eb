/**
 * nginx as the reference line: one worker, keepalive connections to the origin, access log off,
 * everything (config, pid, logs, temp files) in a scratch directory. Started in the foreground
 * (`daemon off`) under nginx-run.mjs, so it stops with the harness even if the harness is killed.
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../lib/processes.mjs';

const NGINX = ['nginx', '/usr/sbin/nginx'];

/** The nginx binary and its version, or undefined when nginx is not installed. */
export function findNginx() {
  for (const bin of NGINX) {
    // `nginx -v` writes its version to stderr.
    const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
    if (r.status === 0) return { bin, version: `${r.stderr}${r.stdout}`.trim().replace(/^nginx version: /, '') };
  }
  return undefined;
}

export function nginxConfig({ dir, port, originPort }) {
  return `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000;
  upstream origin {
    server 127.0.0.1:${originPort};
    keepalive 64;
    keepalive_requests 100000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** Start nginx on `core`; returns the launched process (its tree holds master and worker). */
export function startNginx({ nginx, dir, port, originPort, core }) {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig({ dir, port, originPort }));
  // `-e` (nginx >= 1.19.5) keeps nginx from touching /var/log/nginx before it reads the config.
  return launch({
    name: 'nginx',
    core,
    cmd: process.execPath,
    node: true,
    wrapper: true,
    args: [fileURLToPath(new URL('./nginx-run.mjs', import.meta.url)), nginx.bin, '-p', dir, '-e', join(dir, 'error.log'), '-c', conf],
  });
}
