#!/bin/bash
# Submits the sharded stage, then its merge, which starts only if every array task succeeded.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p logs
array_id=$(sbatch --parsable sample-array.sbatch)
merge_id=$(sbatch --parsable --dependency="afterok:${array_id}" --job-name=selfj-sample-merge \
  --output=logs/selfj-sample-merge-%j.out --wrap="${SELFJ_IMAGE_CMD:-selfj} merge \"${SELFJ_RUN:?}/sample\"")
echo "array ${array_id}, merge ${merge_id}"
