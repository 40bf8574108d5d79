import type { RouteAccess } from '../http-kit/index.ts';

// Who may read what (the role matrix of command-api/README.md). A student reads only its own account.

export const queryAccess = {
  account: { roles: ['admin', 'pos', 'finance', 'auditor', 'student'], ownAccountParam: 'id' },
  transactions: { roles: ['admin', 'finance', 'auditor', 'student'], ownAccountParam: 'id' },
  balance: { roles: ['admin', 'pos', 'finance', 'auditor', 'student'], ownAccountParam: 'id' },
  merchantSales: { roles: ['admin', 'finance', 'auditor'] },
  dailyReport: { roles: ['admin', 'finance', 'auditor'] },
  device: { roles: ['admin', 'auditor'] },
} as const satisfies Record<string, RouteAccess>;

export type QueryRouteName = keyof typeof queryAccess;
