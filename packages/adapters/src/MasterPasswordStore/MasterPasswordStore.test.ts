import { Layer } from "effect"
import { MemoryStore } from "../MemoryStore.js"
import { TempSqliteLive } from "../testing/TempSqlite.js"
import { masterPasswordStoreContract } from "./MasterPasswordStore.contract.js"
import { MasterPasswordStoreMemory } from "./Memory.js"
import { MasterPasswordStoreSqlite } from "./Sqlite.js"

masterPasswordStoreContract("memory", () => MasterPasswordStoreMemory.pipe(Layer.provide(MemoryStore.layer)))
masterPasswordStoreContract("sqlite", () => MasterPasswordStoreSqlite.pipe(Layer.provide(TempSqliteLive)))
