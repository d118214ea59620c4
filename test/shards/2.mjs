import { runShard } from './shard.mjs';
runShard(2, 2);
