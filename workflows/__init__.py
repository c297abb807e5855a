"""Everything SpiffWorkflow: specs parsed once, a restricted script engine, a serializer with
format upgrades, a runtime that loads / advances / saves each process instance of a case, timers that the
worker fires through a simulatable clock. Nothing here knows about HTTP."""
