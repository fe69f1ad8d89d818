"""The models the analyses stand on: BG/NBD and Gamma-Gamma (:mod:`.btyd`), the churn models
(:mod:`.churn_models`), the queue engine (:mod:`.queueing`) and the statistics
(:mod:`.stats`). Estimators: ``fit`` returns ``self``, learned state ends in ``_``."""
