/**
 * deploy/kubernetes/ without a cluster (issue 13): every manifest against a JSON Schema of the
 * Kubernetes fields it uses (closed objects, so a misspelt or misplaced key fails), and the
 * references between them and the gateway checked: the ConfigMap's gateway.yaml loads with the
 * Deployment's environment, its translation loads from the paths the image has, the probes hit
 * the admin health endpoints on the ports the config listens on, the grace period covers the
 * drain, and the Service, PDB and Deployment select the same pods.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../gateway/config/load.js';
import { loadTranslator } from '../../gateway/translate/translator.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, 'deploy/kubernetes');

const str = { type: 'string', minLength: 1 } as const;
const int = { type: 'integer', minimum: 0 } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const closed = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, required });
const name = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 } as const;
const metadata = closed({ name, labels: stringMap }, ['name']);
const labelSelector = closed({ matchLabels: stringMap }, ['matchLabels']);
const quantity = { type: 'string', pattern: '^\\d+(\\.\\d+)?(m|Ki|Mi|Gi)?$' } as const;
const portRef = { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, name] };
const probe = closed({ httpGet: closed({ path: str, port: portRef }, ['path', 'port']), periodSeconds: int, timeoutSeconds: int, failureThreshold: int, initialDelaySeconds: int }, ['httpGet']);
const container = closed({
  name, image: str, args: { type: 'array', items: { type: 'string' } },
  ports: { type: 'array', items: closed({ name, containerPort: { type: 'integer', minimum: 1, maximum: 65535 } }, ['name', 'containerPort']) },
  env: { type: 'array', items: { anyOf: [closed({ name: str, value: { type: 'string' } }, ['name', 'value']), closed({ name: str, valueFrom: closed({ secretKeyRef: closed({ name, key: str }, ['name', 'key']) }, ['secretKeyRef']) }, ['name', 'valueFrom'])] } },
  startupProbe: probe, livenessProbe: probe, readinessProbe: probe,
  lifecycle: closed({ preStop: closed({ exec: closed({ command: { type: 'array', items: { type: 'string' }, minItems: 1 } }, ['command']) }, ['exec']) }),
  resources: closed({ requests: closed({ cpu: quantity, memory: quantity }), limits: closed({ cpu: quantity, memory: quantity }) }),
  securityContext: closed({ allowPrivilegeEscalation: { type: 'boolean' }, readOnlyRootFilesystem: { type: 'boolean' } }),
  volumeMounts: { type: 'array', items: closed({ name, mountPath: str, readOnly: { type: 'boolean' } }, ['name', 'mountPath']) },
}, ['name', 'image']);

const SCHEMAS: Record<string, object> = {
  ConfigMap: closed({ apiVersion: { const: 'v1' }, kind: { const: 'ConfigMap' }, metadata, data: stringMap }, ['apiVersion', 'kind', 'metadata', 'data']),
  Secret: closed({ apiVersion: { const: 'v1' }, kind: { const: 'Secret' }, metadata, type: str, stringData: stringMap }, ['apiVersion', 'kind', 'metadata']),
  Service: closed({ apiVersion: { const: 'v1' }, kind: { const: 'Service' }, metadata, spec: closed({ selector: stringMap, ports: { type: 'array', minItems: 1, items: closed({ name, port: { type: 'integer', minimum: 1, maximum: 65535 }, targetPort: portRef }, ['port', 'targetPort']) } }, ['selector', 'ports']) }, ['apiVersion', 'kind', 'metadata', 'spec']),
  PodDisruptionBudget: closed({ apiVersion: { const: 'policy/v1' }, kind: { const: 'PodDisruptionBudget' }, metadata, spec: closed({ minAvailable: { anyOf: [int, str] }, selector: labelSelector }, ['selector']) }, ['apiVersion', 'kind', 'metadata', 'spec']),
  Deployment: closed({
    apiVersion: { const: 'apps/v1' }, kind: { const: 'Deployment' }, metadata,
    spec: closed({
      replicas: { type: 'integer', minimum: 2 },
      selector: labelSelector,
      template: closed({
        metadata: closed({ labels: stringMap }, ['labels']),
        spec: closed({
          terminationGracePeriodSeconds: int,
          securityContext: closed({ runAsNonRoot: { type: 'boolean' }, runAsUser: int, runAsGroup: int }),
          containers: { type: 'array', minItems: 1, items: container },
          volumes: { type: 'array', items: closed({ name, configMap: closed({ name }, ['name']) }, ['name']) },
        }, ['containers']),
      }, ['metadata', 'spec']),
    }, ['selector', 'template']),
  }, ['apiVersion', 'kind', 'metadata', 'spec']),
  Kustomization: closed({ apiVersion: { const: 'kustomize.config.k8s.io/v1beta1' }, kind: { const: 'Kustomization' }, resources: { type: 'array', items: str } }, ['apiVersion', 'kind', 'resources']),
};

type Manifest = { kind: string; metadata?: { name: string; labels?: Record<string, string> }; [key: string]: any };

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const manifests = new Map<string, Manifest>(files.map((f) => [f, YAML.parse(readFileSync(join(DIR, f), 'utf8')) as Manifest]));
const byKind = (kind: string) => [...manifests.values()].find((m) => m.kind === kind)!;

describe('deploy/kubernetes', () => {
  it('validates every manifest against the schema of its kind, and the kustomization lists every other file', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    for (const [file, manifest] of manifests) {
      const schema = SCHEMAS[manifest.kind];
      expect(schema, `${file}: kind ${manifest.kind}`).toBeDefined();
      const validate = ajv.compile(schema);
      expect(validate(manifest) ? [] : validate.errors!.map((e) => `${file}${e.instancePath} ${e.message}`), file).toEqual([]);
    }
    expect([...byKind('Kustomization').resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml'));
  });

  const deployment = byKind('Deployment');
  const pod = deployment.spec.template.spec;
  const gateway = pod.containers[0];
  const secret = byKind('Secret');
  const configMap = byKind('ConfigMap');

  /** The container's environment, Secret references resolved from the example Secret. */
  const env = Object.fromEntries(gateway.env.map((e: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }) => {
    if (e.value !== undefined) return [e.name, e.value];
    expect(e.valueFrom!.secretKeyRef.name).toBe(secret.metadata!.name);
    expect(Object.keys(secret.stringData), `secret key ${e.valueFrom!.secretKeyRef.key}`).toContain(e.valueFrom!.secretKeyRef.key);
    return [e.name, secret.stringData[e.valueFrom!.secretKeyRef.key]];
  }));
  const configText = configMap.data['gateway.yaml'];
  const configFile = `${gateway.volumeMounts[0].mountPath}/gateway.yaml`;

  it('starts the gateway with the ConfigMap\'s gateway.yaml, which loads with the Deployment\'s environment', async () => {
    expect(gateway.args).toEqual(['node', 'gateway/cli/main.js', 'start', '--config', configFile]);
    expect(pod.volumes).toEqual([{ name: gateway.volumeMounts[0].name, configMap: { name: configMap.metadata!.name } }]);
    const config = loadConfigText(configText, configFile, { env });
    expect(config.admin.host).toBe('0.0.0.0');
    expect(config.admin.token).toBe(secret.stringData['admin-token']);
    expect(config.store).toEqual({ kind: 'postgres', url: secret.stringData['store-url'] });
    // The spec and changes it names are where the image puts them (Dockerfile: /app/specs, /app/versions from this repo).
    expect(config.translation).toEqual({ spec: '/app/specs/shop.openapi.yaml', changes: '/app/versions' });
    const here = { ...config, file: join(ROOT, 'gateway.yaml'), translation: { spec: 'specs/shop.openapi.yaml', changes: 'versions' } };
    expect(existsSync(join(ROOT, here.translation.spec))).toBe(true);
    expect((await loadTranslator(here))!.model.changes.length).toBeGreaterThan(0);
  });

  it('probes the admin health endpoints on the ports the config listens on', () => {
    const config = loadConfigText(configText, configFile, { env });
    const port = (name: string) => gateway.ports.find((p: { name: string }) => p.name === name).containerPort;
    expect(port('http')).toBe(config.listen.port);
    expect(port('admin')).toBe(config.admin.port);
    expect(gateway.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'admin' });
    expect(gateway.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'admin' });
    expect(gateway.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'admin' });
  });

  it('gives the drain its time: grace period ≥ preStop sleep + proxy.shutdownTimeout', () => {
    const config = loadConfigText(configText, configFile, { env });
    const [command, seconds] = gateway.lifecycle.preStop.exec.command;
    expect(command).toBe('sleep');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(Number(seconds) + config.proxy.shutdownTimeoutMs / 1000 + 5);
  });

  it('selects the same pods from the Deployment, the Service and the PodDisruptionBudget, and serves the public port only', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(byKind('Service').spec.selector).toEqual(labels);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    expect(byKind('Service').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
    expect(byKind('PodDisruptionBudget').spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });
});
