"""Course-style scripts: code from the Keras teaching material, with only the import lines
changed to ember, runs as written. Datasets that would be downloaded are replaced by small
random arrays of the same shapes and dtypes."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import ember


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    ember.backend.clear_session()
    ember.utils.set_random_seed(0)
    monkeypatch.chdir(tmp_path)

    def fake_cifar():
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)
        y = rng.integers(0, 10, (64, 1), dtype=np.uint8)
        return (x, y), (x[:16], y[:16])

    monkeypatch.setattr(ember.datasets.cifar10, "load_data", fake_cifar)


def run(source: str) -> dict:
    namespace: dict = {"__name__": "__course__"}
    exec(compile(textwrap.dedent(source), "<course script>", "exec"), namespace)  # noqa: S102
    return namespace


def test_cifar10_tutorial_with_tensorflow_keras_imports_swapped():
    ns = run("""
        import ember as tf

        from ember import datasets, layers, models
        (train_images, train_labels), (test_images, test_labels) = datasets.cifar10.load_data()

        # Normalize pixel values to be between 0 and 1
        train_images, test_images = train_images / 255.0, test_images / 255.0

        model = models.Sequential()
        model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(32, 32, 3)))
        model.add(layers.MaxPooling2D((2, 2)))
        model.add(layers.Conv2D(64, (3, 3), activation='relu'))
        model.add(layers.MaxPooling2D((2, 2)))
        model.add(layers.Conv2D(64, (3, 3), activation='relu'))
        model.add(layers.Flatten())
        model.add(layers.Dense(64, activation='relu'))
        model.add(layers.Dense(10))

        model.compile(optimizer='adam',
                      loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=['accuracy'])
        history = model.fit(train_images, train_labels, epochs=2,
                            validation_data=(test_images, test_labels), verbose=0)
        test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
    """)
    assert ns["model"].count_params() == 122_570
    assert set(ns["history"].history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert 0 <= ns["test_acc"] <= 1


def test_tf_keras_sequential_list_with_import_ember_as_tf():
    ns = run("""
        import numpy as np
        import ember as tf

        model = tf.keras.models.Sequential([
            tf.keras.layers.Conv2D(filters=32, kernel_size=3,
                                   activation='relu', input_shape=(28, 28, 1)),
            tf.keras.layers.MaxPool2D(pool_size=(2, 2)),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(units=128, activation='relu'),
            tf.keras.layers.Dense(units=10, activation='softmax')
        ])
        model.compile(optimizer='adam', loss='categorical_crossentropy',
                      metrics=['accuracy'])
        X_train = np.random.rand(32, 28, 28, 1)
        y_train = tf.keras.utils.to_categorical(np.arange(32) % 10, 10)
        model.fit(X_train, y_train, validation_data=(X_train, y_train), epochs=1, verbose=0)
    """)
    assert ns["model"].output_shape == (None, 10)


def test_keras2_module_paths_functional_shared_input_summary_and_plot():
    ns = run("""
        from ember.utils import plot_model
        from ember.models import Model
        from ember.layers import Input
        from ember.layers import Dense
        from ember.layers import Flatten
        from ember.layers.convolutional import Conv2D
        from ember.layers.pooling import MaxPooling2D
        from ember.layers.merge import concatenate
        # input layer
        visible = Input(shape=(64,64,1))
        # first feature extractor
        conv1 = Conv2D(32, kernel_size=4, activation='relu')(visible)
        pool1 = MaxPooling2D(pool_size=(2, 2))(conv1)
        flat1 = Flatten()(pool1)
        # second feature extractor
        conv2 = Conv2D(16, kernel_size=8, activation='relu')(visible)
        pool2 = MaxPooling2D(pool_size=(2, 2))(conv2)
        flat2 = Flatten()(pool2)
        # merge feature extractors
        merge = concatenate([flat1, flat2])
        # interpretation layer
        hidden1 = Dense(10, activation='relu')(merge)
        # prediction output
        output = Dense(1, activation='sigmoid')(hidden1)
        model = Model(inputs=visible, outputs=output)
        # summarize layers
        print(model.summary())
        # plot graph
        plot_model(model, to_file='shared_input_layer.svg')
    """)
    assert ns["model"].count_params() == 415_045
    import os

    assert os.path.getsize("shared_input_layer.svg") > 1000


def test_lenet5_batchnorm_and_dropout_snippets():
    ns = run("""
        from ember.models import Sequential
        from ember.layers import (AveragePooling2D, BatchNormalization, Conv2D, Dense,
                                  Dropout, Flatten, MaxPool2D)

        model = Sequential()
        model.add(Conv2D(6, (5, 5), strides=(1, 1), activation='tanh', padding="valid",
                         input_shape=(32, 32, 1)))
        model.add(AveragePooling2D(pool_size=(2, 2), strides=(2, 2)))
        model.add(Conv2D(16, (5, 5), strides=(1, 1), activation='tanh', padding="valid"))
        model.add(AveragePooling2D(pool_size=(2, 2), strides=(2, 2)))
        model.add(Conv2D(120, (5, 5), strides=(1, 1), activation='tanh', padding="valid"))
        model.add(Flatten())
        model.add(Dense(84, activation='tanh'))
        model.add(Dense(10, activation='softmax'))

        bn = Sequential()
        bn.add(Conv2D(75, (3, 3), strides=1, activation="relu", input_shape=(28, 28, 1)))
        bn.add(BatchNormalization())
        bn.add(MaxPool2D((2, 2), strides=2))
        bn.add(Dropout(0.2))
    """)
    assert ns["model"].count_params() == 61_706
    assert ns["bn"].output_shape == (None, 13, 13, 75)


def test_lstm_free_course_habits():
    """Habits from the material: history.history keys for plotting, evaluate returning a
    pair, predict on new data, summary printing, and model.layers iteration."""
    ns = run("""
        import numpy as np
        from ember import layers, models
        x = np.random.rand(40, 8, 8, 1).astype('float32')
        y = np.random.randint(0, 3, 40)
        model = models.Sequential([
            layers.Rescaling(1./255, input_shape=(8, 8, 1)),
            layers.Conv2D(16, 3, padding='same', activation='relu'),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(3),
        ])
        model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',
                      metrics=['accuracy'])
        history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        acc = history.history['accuracy']
        loss, accuracy = model.evaluate(x, y, verbose=0)
        predictions = model.predict(x[:3], verbose=0)
        names = [layer.name for layer in model.layers]
    """)
    assert len(ns["acc"]) == 2 and ns["predictions"].shape == (3, 3)
    assert ns["names"][0] == "rescaling"


def test_stock_price_stacked_lstm_with_dropout():
    """The RNN half of the course: a scaled price series cut into 60-step windows, stacked
    LSTM(50) layers with Dropout, Adam + MSE, predictions mapped back to prices."""
    ns = run("""
        import numpy as np
        from ember.models import Sequential
        from ember.layers import LSTM, Dense, Dropout

        prices = 100 + np.cumsum(np.random.default_rng(0).normal(0, 1, 300))
        low, high = prices.min(), prices.max()
        scaled = (prices - low) / (high - low)
        x_train, y_train = [], []
        for i in range(60, len(scaled)):
            x_train.append(scaled[i - 60:i])
            y_train.append(scaled[i])
        x_train, y_train = np.array(x_train), np.array(y_train)
        x_train = np.reshape(x_train, (x_train.shape[0], x_train.shape[1], 1))

        regressor = Sequential()
        regressor.add(LSTM(units=50, return_sequences=True, input_shape=(x_train.shape[1], 1)))
        regressor.add(Dropout(0.2))
        regressor.add(LSTM(units=50))
        regressor.add(Dropout(0.2))
        regressor.add(Dense(units=1))
        regressor.compile(optimizer='adam', loss='mean_squared_error')
        history = regressor.fit(x_train, y_train, epochs=3, batch_size=32, verbose=0)
        predicted = regressor.predict(x_train[-5:], verbose=0) * (high - low) + low
    """)
    assert ns["predicted"].shape == (5, 1)
    loss = ns["history"].history["loss"]
    assert len(loss) == 3 and loss[-1] < loss[0]
    assert ns["regressor"].count_params() == 10_400 + 20_200 + 51  # Keras' summary totals


def test_sentiment_embedding_lstm_with_pad_sequences():
    """Many-to-one text classification habits: pad_sequences from keras.preprocessing,
    Embedding + LSTM with dropout/recurrent_dropout, binary crossentropy, evaluate."""
    ns = run("""
        import numpy as np
        from ember.preprocessing.sequence import pad_sequences
        from ember.models import Sequential
        from ember.layers import Embedding, LSTM, Dense

        rng = np.random.default_rng(0)
        reviews = [list(rng.integers(1, 500, rng.integers(3, 40))) for _ in range(64)]
        labels = rng.integers(0, 2, 64)
        x = pad_sequences(reviews, maxlen=30)
        model = Sequential()
        model.add(Embedding(500, 32))
        model.add(LSTM(16, dropout=0.2, recurrent_dropout=0.2))
        model.add(Dense(1, activation='sigmoid'))
        model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
        model.fit(x, labels, batch_size=16, epochs=1, validation_split=0.25, verbose=0)
        score, acc = model.evaluate(x, labels, batch_size=16, verbose=0)
    """)
    assert ns["x"].shape == (64, 30) and 0.0 <= ns["acc"] <= 1.0
    assert ns["model"].count_params() == 500 * 32 + 4 * 16 * (32 + 16 + 1) + 17
