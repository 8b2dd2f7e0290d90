"""Training callbacks with Keras 3's classes, hooks, arguments and messages
(``keras.callbacks``): hook into ``fit``, ``evaluate`` and ``predict``.

One module per callback: ``callback`` (Callback, CallbackList), ``history``,
``progbar_logger``, ``monitor`` (the base of the ones watching a metric), ``early_stopping``,
``reduce_lr_on_plateau``, ``model_checkpoint``, ``backup_and_restore``, ``csv_logger``,
``lambda_callback``, ``learning_rate_scheduler``, ``terminate_on_nan``, ``remote_monitor``,
``swap_ema_weights`` and ``tensorboard`` (TensorBoard, OrbaxCheckpoint: not available).

Example:
    >>> from ember import callbacks
    >>> stop = callbacks.EarlyStopping(monitor="loss", patience=2)
    >>> stop.patience
    2
"""

from ember.callbacks.backup_and_restore import BackupAndRestore
from ember.callbacks.callback import Callback, CallbackList
from ember.callbacks.csv_logger import CSVLogger
from ember.callbacks.early_stopping import EarlyStopping
from ember.callbacks.history import History
from ember.callbacks.lambda_callback import LambdaCallback
from ember.callbacks.learning_rate_scheduler import LearningRateScheduler
from ember.callbacks.model_checkpoint import ModelCheckpoint
from ember.callbacks.progbar_logger import ProgbarLogger
from ember.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from ember.callbacks.remote_monitor import RemoteMonitor
from ember.callbacks.swap_ema_weights import SwapEMAWeights
from ember.callbacks.tensorboard import OrbaxCheckpoint, TensorBoard
from ember.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "OrbaxCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "RemoteMonitor",
    "SwapEMAWeights",
    "TensorBoard",
    "TerminateOnNaN",
]
