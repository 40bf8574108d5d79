import type { RouteAccess } from '../http-kit/index.ts';

// Who may call which command route (the role matrix of README.md). A student reaches only its own
// account, and only to report its card lost.

export const commandAccess = {
  openAccount: { roles: ['admin'] },
  topUp: { roles: ['admin', 'finance'] },
  charge: { roles: ['admin', 'pos'] },
  refund: { roles: ['admin', 'pos', 'finance'] },
  billPayment: { roles: ['admin', 'pos'] },
  close: { roles: ['admin', 'finance'] },
  freeze: { roles: ['admin'] },
  unfreeze: { roles: ['admin'] },
  reportLost: { roles: ['admin', 'student'], ownAccountParam: 'id' },
  replaceCard: { roles: ['admin'] },
  changeLimits: { roles: ['admin'] },
  registerMerchant: { roles: ['admin'] },
  registerDevice: { roles: ['admin'] },
} as const satisfies Record<string, RouteAccess>;

export type CommandRouteName = keyof typeof commandAccess;
