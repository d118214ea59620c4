import { runShard } from './shard.mjs';
runShard(1, 2);
