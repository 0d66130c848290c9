import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeEndpoint } from './kubernetes.ts';

const base = { enabled: true, namespaces: [], kinds: ['Ingress' as const], insecureSkipTlsVerify: false };

describe('kubeEndpoint', () => {
  it('reads the current context of a kubeconfig: server, token and CA', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'labdeck-kube-'));
    const file = path.join(dir, 'config');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
current-context: lab
contexts:
  - name: other
    context: { cluster: nowhere, user: nobody }
  - name: lab
    context: { cluster: lab-cluster, user: labdeck }
clusters:
  - name: lab-cluster
    cluster:
      server: https://k8s.lab.example:6443
      certificate-authority-data: ${Buffer.from('CA PEM').toString('base64')}
users:
  - name: labdeck
    user: { token: abc.def }
`,
    );
    const endpoint = kubeEndpoint({ ...base, kubeconfig: file }, {});
    expect(endpoint.base.href).toBe('https://k8s.lab.example:6443/');
    expect(endpoint.headers).toEqual({ authorization: 'Bearer abc.def' });
    expect(endpoint.tls?.ca?.toString()).toBe('CA PEM');
    expect(endpoint.tls?.rejectUnauthorized).toBe(true);
  });

  it('prefers an explicit apiServer and token from labdeck.yaml', () => {
    const endpoint = kubeEndpoint(
      { ...base, apiServer: 'https://api.lab:6443', token: 't', insecureSkipTlsVerify: true },
      {},
    );
    expect(endpoint).toMatchObject({
      headers: { authorization: 'Bearer t' },
      tls: { rejectUnauthorized: false },
    });
  });

  it('explains when there is neither a service account nor a kubeconfig', () => {
    expect(() => kubeEndpoint(base, { KUBECONFIG: '/nonexistent/kubeconfig' })).toThrow(
      'no in-cluster service account and no kubeconfig at /nonexistent/kubeconfig',
    );
  });
});
