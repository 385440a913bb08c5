// The Temporal address npm start gives the dev server: IPv4, IPv6 in brackets, a name, no port.
import { describe, expect, it } from 'vitest';
import { hostAndPort } from '../scripts/host-and-port.js';

describe('hostAndPort', () => {
  it('splits IPv4, bracketed IPv6 and names, and defaults the port to 7233', () => {
    expect(hostAndPort('127.0.0.1:7233')).toEqual({ host: '127.0.0.1', port: '7233' });
    expect(hostAndPort('[::1]:7234')).toEqual({ host: '::1', port: '7234' });
    expect(hostAndPort('[2001:db8::7]:7233')).toEqual({ host: '2001:db8::7', port: '7233' });
    expect(hostAndPort('localhost')).toEqual({ host: 'localhost', port: '7233' });
  });

  it('refuses what is not host:port, naming the setting', () => {
    expect(() => hostAndPort('::1:7233')).toThrow('TEMPORAL_ADDRESS ::1:7233 is not host:port');
    expect(() => hostAndPort('127.0.0.1:port')).toThrow(/is not host:port/);
  });
});
