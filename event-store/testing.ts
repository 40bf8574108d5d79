// Test-only face of the event store component: the contract every adapter must pass.
export { eventStoreContract, type StoreUnderTest, testEvent } from './contract.ts';
