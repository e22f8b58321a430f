console.log("[selfj/native] addon build not written yet");
