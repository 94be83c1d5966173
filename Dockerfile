# Rapor on the official Apache Airflow image, for docker-compose.yaml (CeleryExecutor).
#
# The base image is the Airflow release pinned in requirements.lock (tests/deploy checks it), on
# the project's Python (3.11). The image already carries Airflow with the Celery and Redis
# providers; Rapor's own dependencies are installed with requirements.lock as constraints, so
# every package Rapor needs gets exactly the version CI tested, and Airflow itself stays pinned.
#
#   docker compose build            (or: docker build -t rapor-airflow .)
FROM apache/airflow:3.3.2-python3.11

# The project lives in /opt/rapor/app: config.project_root() finds dags/, include/ (SQL models,
# pools.json) and expectations/ beside plugins/, as in a checkout.
ENV RAPOR_APP=/opt/rapor/app
WORKDIR /opt/rapor/app

COPY --chown=airflow:0 pyproject.toml requirements.lock ./
COPY --chown=airflow:0 plugins/ ./plugins/
COPY --chown=airflow:0 dags/ ./dags/
COPY --chown=airflow:0 include/ ./include/
COPY --chown=airflow:0 expectations/ ./expectations/

# As the image's airflow user (the official image refuses pip as root). Editable, like `make`:
# the package stays in plugins/ so that project_root() is /opt/rapor/app.
RUN pip install --no-cache-dir "apache-airflow==3.3.2" --constraint requirements.lock --editable . \
    && chmod -R g+rwX /opt/rapor/app

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/rapor/app/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/rapor/app/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    GX_ANALYTICS_ENABLED=False
