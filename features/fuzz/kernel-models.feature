@fuzz
Feature: The kernel agrees with small models under random command sequences
  Each kernel model drives one part of the simulated kernel and a small
  model of it side by side with fast-check, and checks after every command
  that the two agree. Commands choose their targets among what is live, so a
  shrunk counterexample stays meaningful. The default suite runs a small
  budget with a fixed seed; `npm run fuzz` runs long campaigns with a fresh one.

  @rule:PAGE-1 @rule:PAGE-2 @rule:PAGE-5 @rule:MDL-1 @rule:MDL-2 @rule:MDL-3
  Scenario: MDL lock, unlock, partial MDLs, system mappings and free
    When the "mdl" kernel model runs 60 random command sequences
    Then no rule is violated

  @rule:CONT-4 @rule:MDL-1
  Scenario: Pool accounting with injected allocation failures
    When the "pool" kernel model runs 60 random command sequences
    Then no rule is violated

  @rule:SG-3 @rule:SG-4 @rule:SG-7 @rule:MDL-5
  Scenario: Scatter/gather list sizes for arbitrary start offsets, lengths and MDL chains
    When the "scatter-gather-size" kernel model runs 40 random command sequences
    Then no rule is violated

  @rule:SG-2 @rule:SG-3 @rule:SG-6
  Scenario: Adapter channel and map register accounting on a bouncing adapter
    When the "adapter-channel" kernel model runs 30 random command sequences
    Then no rule is violated

  @rule:CONT-1 @rule:CONT-2
  Scenario: Contiguous allocation under fragmentation
    When the "contiguous" kernel model runs 60 random command sequences
    Then no rule is violated
