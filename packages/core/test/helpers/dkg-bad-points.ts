/**
 * Encodings that every DeserializeElement must reject (checklist C1; RFC 9591 §3.1, RFC 8032
 * §5.1.3, SEC1 §2.3.4), computed from the curve equations here rather than with the decoder
 * under test.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { FrostScheme } from '../../src/index.js';

export interface BadPoint {
  readonly label: string;
  readonly bytes: Uint8Array;
}

function modpow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}
const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
const isSquare = (a: bigint, p: bigint) => a % p === 0n || modpow(a, (p - 1n) / 2n, p) === 1n;

function be(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
function le(v: bigint, len: number): Uint8Array {
  return be(v, len).reverse();
}

function sec1(prefix: number, x: bigint): Uint8Array {
  return Uint8Array.of(prefix, ...be(x, 32));
}

function weierstrassBadPoints(curve: { p: bigint; a: bigint; b: bigint }): BadPoint[] {
  const { p, a, b } = curve;
  const rhs = (x: bigint) => mod(x * x * x + a * x + b, p);
  let offX = 1n;
  while (isSquare(rhs(offX), p)) offX++;
  let onX = 1n;
  while (!isSquare(rhs(onX), p) || rhs(onX) === 0n) onX++;
  return [
    { label: 'identity (all-zero encoding)', bytes: new Uint8Array(33) },
    { label: 'off-curve x', bytes: sec1(0x02, offX) },
    { label: 'non-canonical x + p', bytes: sec1(0x02, onX + p) },
    { label: 'x = p', bytes: sec1(0x03, p) },
    { label: 'uncompressed prefix 04 in 33 bytes', bytes: sec1(0x04, onX) },
    { label: 'hybrid prefix 06', bytes: sec1(0x06, onX) },
  ];
}

function ed25519BadPoints(): BadPoint[] {
  const { p, d } = ed25519.Point.CURVE();
  // y with no x: x² = (y² − 1)/(d·y² + 1) must be a non-square.
  let y = 2n;
  for (;;) {
    const u = mod(y * y - 1n, p);
    const v = mod(d * y * y + 1n, p);
    if (!isSquare(mod(u * modpow(v, p - 2n, p), p), p)) break;
    y++;
  }
  const order8 = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
  const mixed = ed25519.Point.BASE.multiply(12345n).add(order8);
  const negZero = le(1n, 32);
  negZero[31]! |= 0x80;
  return [
    { label: 'identity', bytes: le(1n, 32) },
    { label: 'off-curve y', bytes: le(y, 32) },
    { label: 'non-canonical y = p + 1', bytes: le(p + 1n, 32) },
    { label: 'non-canonical x = 0 with sign bit', bytes: negZero },
    { label: 'small order 2 (y = −1)', bytes: le(p - 1n, 32) },
    { label: 'small order 4 (y = 0)', bytes: le(0n, 32) },
    { label: 'small order 8', bytes: order8.toBytes() },
    { label: 'mixed order (P + torsion)', bytes: mixed.toBytes() },
  ];
}

export function badPoints(scheme: FrostScheme): BadPoint[] {
  switch (scheme) {
    case 'frost-ed25519':
      return ed25519BadPoints();
    case 'frost-p256':
      return weierstrassBadPoints(p256.Point.CURVE());
    default:
      return weierstrassBadPoints(secp256k1.Point.CURVE());
  }
}
