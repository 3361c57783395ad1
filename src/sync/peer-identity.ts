import type { DatasetId } from '../core/dataset-id.ts';
import { SluiceError } from '../core/errors.ts';
import { isValidNodeId } from '../core/hlc.ts';
import type { HandshakeRequest } from '../protocol/messages.ts';
import { MAX_TOKEN_CHARS } from '../core/option-checks.ts';
import { tokensEqual, type Access, type AuthOptions, type Principal } from './auth.ts';
import { jwtVerifier, type JwtVerifier } from './jwt.ts';
import { instancesFor, type DatasetTemplate } from '../core/dataset-template.ts';

/**
 * Who a connection is, decided once, on the thread that accepted it, before anything of it reaches
 * a dataset pipeline: the principal, the node id it acts as, the datasets granted to it, and
 * whether it may relay entries written by other authors.
 */
export interface PeerIdentity {
  readonly principal: Principal;
  readonly nodeId: string;
  readonly granted: readonly DatasetId[];
  /** Of `granted`, those granted read-only: the peer's pushes to them are refused. */
  readonly readOnly: readonly DatasetId[];
  readonly relay: boolean;
  /** Proven by a JWT or a matching shared token: only such peers get tracked (a row per peer). */
  readonly authenticated: boolean;
}

/** What a hub serves: datasets configured by id, and the instances of its templates. */
export interface ServedDatasets {
  has(datasetId: DatasetId): boolean;
  /** The template `datasetId` is an instance of, if it is one. */
  templateOf(datasetId: DatasetId): DatasetTemplate | undefined;
}

const ANONYMOUS_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Turns a handshake into a PeerIdentity under one hub's auth options, or refuses it with
 * `auth_failed`. Built once per auth options (a JWT key is imported once).
 */
export class Authenticator {
  private readonly verify: JwtVerifier | undefined;

  constructor(private readonly auth: AuthOptions) {
    this.verify = auth.jwt ? jwtVerifier(auth.jwt) : undefined;
  }

  /** Resolves once the options are usable (a JWT key imported); rejects with `invalid_options`. */
  get ready(): Promise<void> {
    return this.verify?.ready ?? Promise.resolve();
  }

  /** `served`: the datasets this node runs, or makes per identity; grants never name others. */
  async authenticate(m: HandshakeRequest, served: ServedDatasets): Promise<PeerIdentity> {
    if (!isValidNodeId(m.nodeId)) throw new SluiceError('auth_failed', `Invalid node id ${JSON.stringify(m.nodeId).slice(0, 80)}.`);
    const principal = await this.principalFor(m.authToken, m.nodeId);
    this.assertMayActAs(principal, m.nodeId);
    const requested = [...new Set([m.datasetId, ...m.extraDatasetIds])].filter((ds) => served.has(ds));
    const granted: DatasetId[] = [];
    const readOnly: DatasetId[] = [];
    for (const ds of requested) {
      const access = await this.grants(principal, ds, served.templateOf(ds));
      if (access) granted.push(ds);
      if (access === 'read') readOnly.push(ds);
    }
    const authenticated = principal.verified || this.auth.token !== undefined;
    return { principal, nodeId: m.nodeId, granted, readOnly, relay: this.mayRelay(principal, m.nodeId), authenticated };
  }

  /**
   * Who presents `token`, or `auth_failed`. Under a shared token or an open hub nothing proves who
   * it is: `declaredNodeId` stands in. An edge router calls this before the handshake exists.
   */
  async principalFor(token: string, declaredNodeId: string): Promise<Principal> {
    if (token.length > MAX_TOKEN_CHARS) throw new SluiceError('auth_failed', `The token is longer than ${MAX_TOKEN_CHARS} characters.`);
    if (this.verify) {
      const claims = await this.verify(token);
      if (typeof claims.sub !== 'string' || claims.sub === '') throw new SluiceError('auth_failed', 'The JWT has no sub claim: sluice takes the principal from sub.');
      return { id: claims.sub, claims, verified: true };
    }
    if (this.auth.token !== undefined && !tokensEqual(token, this.auth.token)) {
      throw new SluiceError('auth_failed', "The token does not match this hub's token.");
    }
    // A shared token (or none) proves nothing about who is connecting: the declared node id stands in.
    return { id: declaredNodeId, claims: ANONYMOUS_CLAIMS, verified: false };
  }

  /** A verified principal acts as itself or as a node its token lists; nobody acts as another principal's node. */
  private assertMayActAs(principal: Principal, nodeId: string): void {
    if (!principal.verified || nodeId === principal.id) return;
    const nodes = principal.claims[this.auth.jwt?.nodesClaim ?? 'nodes'];
    if (Array.isArray(nodes) && nodes.includes(nodeId)) return;
    throw new SluiceError(
      'auth_failed',
      `Principal "${principal.id}" may not connect as node "${nodeId}": use its own id as nodeId, or list the node in the token's ${this.auth.jwt?.nodesClaim ?? 'nodes'} claim.`,
      { principal: principal.id, nodeId },
    );
  }

  /**
   * What `principal` may do with `datasetId`, or false: the authorize hook decides alone; else the
   * verified token's claims (its datasets claim and, for an instance of a template, the template
   * filled from its claims grant read-write; its read claim grants read-only).
   */
  async grants(principal: Principal, datasetId: DatasetId, template?: DatasetTemplate): Promise<Access | false> {
    if (this.auth.authorize) {
      const answer = await this.auth.authorize(principal, datasetId);
      return answer === true || answer === 'write' ? 'write' : answer === 'read' ? 'read' : false;
    }
    // A shared token (or none) proves nobody's identity: every configured dataset, and no one's own.
    if (!principal.verified) return template ? false : 'write';
    const lists = (claim: string) => {
      const listed = principal.claims[claim];
      return Array.isArray(listed) && (listed.includes('*') || listed.includes(datasetId));
    };
    if (lists(this.auth.jwt?.datasetsClaim ?? 'datasets')) return 'write';
    if (template && instancesFor(template, principal.claims).includes(datasetId)) return 'write';
    // A verified principal gets what its token grants, and nothing by default.
    return lists(this.auth.jwt?.readClaim ?? 'read') ? 'read' : false;
  }

  private mayRelay(principal: Principal, nodeId: string): boolean {
    if (principal.verified) return principal.claims[this.auth.jwt?.relayClaim ?? 'relay'] === true;
    // A declared node id proves nothing without a token: an open hub grants nobody relaying.
    return this.auth.token !== undefined && (this.auth.relays?.includes(nodeId) ?? false);
  }
}
