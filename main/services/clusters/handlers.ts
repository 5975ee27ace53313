import type { Handlers } from '../../core/dispatch';
import type { clusterCalls } from '../../../app/contract/clusters';
import type { ClusterService } from './cluster-service';

/** The handlers of the cluster domain's calls. */
export function clusterHandlers(clusters: ClusterService): Pick<Handlers, keyof typeof clusterCalls> {
  void clusters;
  return {};
}
