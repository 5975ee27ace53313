import type { Handlers } from '../../core/dispatch';
import type { clusterCalls } from '../../../app/contract/clusters';
import type { ClusterService } from './cluster-service';

/** The handlers of the cluster domain's calls. */
export function clusterHandlers(clusters: ClusterService): Pick<Handlers, keyof typeof clusterCalls> {
  return {
    'cluster.list': () => clusters.list(),
    'cluster.add': (input) => clusters.add(input),
    'cluster.update': (input) => clusters.update(input),
    'cluster.remove': (input) => clusters.remove(input.id),
    'cluster.test': (input) => clusters.test(input.id),
  };
}
