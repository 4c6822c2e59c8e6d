/**
 * The in-memory repository the unit tests use passes the same contract as the DynamoDB adapter
 * (test/support/repository-contract.ts), so a unit test cannot pass on behaviour the adapter lacks.
 */
import { createMemoryRepository } from '../support/memory-repository.ts';
import { runRepositoryContract } from '../support/repository-contract.ts';

runRepositoryContract('the in-memory fake', { fresh: async () => createMemoryRepository() });
