# The project image: Orrery's offline base plus the packages of the project env's lock.
# Built with the network off unless the user named an index URL; {{BASE}} and {{PIP_SOURCE}} are filled in by Orrery.
FROM {{BASE}}
COPY requirements.txt /opt/orrery/requirements.txt
COPY wheels/ /wheels/
USER 0
RUN if grep -q '[^[:space:]]' /opt/orrery/requirements.txt; then \
      python3 -m pip install --no-cache-dir --break-system-packages --root-user-action=ignore {{PIP_SOURCE}} -r /opt/orrery/requirements.txt; \
    fi && rm -rf /wheels
USER 65534:65534
LABEL orrery.image=project
