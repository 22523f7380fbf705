// What main asks the inspect worker, and what it answers.
import type { DataConfig } from '../../shared/config.ts';
import type { DatasetSummary } from '../../shared/contract.ts';

export type InspectProtocol = {
  inspect: { request: { data: DataConfig }; reply: DatasetSummary };
};
