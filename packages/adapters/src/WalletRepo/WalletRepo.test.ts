import { Layer } from "effect"
import { MemoryStore } from "../MemoryStore.js"
import { TempSqliteLive } from "../testing/TempSqlite.js"
import { WalletRepoMemory } from "./Memory.js"
import { WalletRepoSqlite } from "./Sqlite.js"
import { walletRepoContract } from "./WalletRepo.contract.js"

walletRepoContract("memory", () => WalletRepoMemory.pipe(Layer.provide(MemoryStore.layer)))
walletRepoContract("sqlite", () => WalletRepoSqlite.pipe(Layer.provide(TempSqliteLive)))
